// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "djobea-edge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "djobea", targets: ["djobea"]),
        .executable(name: "djobea-bench", targets: ["DjobeaBench"]),
        .executable(name: "djobea-gateway-bench", targets: ["DjobeaGatewayBench"]),
        .executable(name: "djobea-fleet-bench", targets: ["DjobeaFleetBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Pure rules: Foundation only, no I/O.
        .target(name: "DjobeaDomain"),
        // The sync core behind a narrow storage interface (portable SQL over generic rows): applying changes with the
        // conflict rules, the partition filter, the hub feed, version vectors, peers, enrolment. No driver: SQLite and
        // PostgreSQL adapters implement `ReplicaStorage`.
        .target(
            name: "DjobeaReplication",
            dependencies: ["DjobeaDomain", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // SQLite (GRDB): migrations, records, change capture, blob files; the sync core's SQLite adapter.
        .target(
            name: "DjobeaStore",
            dependencies: [
                "DjobeaDomain",
                "DjobeaReplication",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // PostgreSQL for central (postgres-nio): URL, connection pool, synchronous sessions, migrations, change log order,
        // and the sync core's PostgreSQL adapter. No SQLite, no GRDB.
        .target(
            name: "DjobeaPostgres",
            dependencies: [
                "DjobeaDomain",
                "DjobeaReplication",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Deterministic demo data for the Bonamoussadi hub.
        .target(
            name: "DjobeaDemo",
            dependencies: ["DjobeaDomain", "DjobeaStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Provider authentication: WhatsApp OTP, passwords, TOTP, sessions and tokens, the OTP drivers (over the gateway's
        // HTTP plumbing). No routes.
        .target(
            name: "DjobeaAuth",
            dependencies: [
                "DjobeaDomain",
                "DjobeaStore",
                "DjobeaGateway",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The outside world: client message drivers (console, WhatsApp Cloud, Twilio WhatsApp/SMS), webhook signatures
        // and payloads, Web Push (VAPID, aes128gcm). No database: the gateway loop lives in DjobeaServer.
        .target(
            name: "DjobeaGateway",
            dependencies: [
                "DjobeaDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Sync protocol v1: wire codec, request signing, the hub's sync engine, central's side of the exchange.
        .target(
            name: "DjobeaSync",
            dependencies: [
                "DjobeaDomain",
                "DjobeaReplication",
                "DjobeaStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The system's brotli encoder (libbrotli-dev), for the PWA's static assets.
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        // HTTP: routes, health, provider API, PWA, ops.
        .target(
            name: "DjobeaServer",
            dependencies: [
                "DjobeaDomain",
                "DjobeaReplication",
                "DjobeaStore",
                "DjobeaAuth",
                "DjobeaSync",
                "DjobeaGateway",
                "DjobeaPostgres",
                "DjobeaDocuments",
                "CBrotli",
                "DjobeaWebAssets",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Documents a provider downloads: a small PDF 1.4 writer (standard Helvetica, WinAnsi), invoices and quotes, the
        // period statement as CSV, XLSX (SpreadsheetML zipped in memory) and PDF. No I/O, no database.
        .target(
            name: "DjobeaDocuments",
            dependencies: ["DjobeaDomain", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .executableTarget(
            name: "djobea",
            dependencies: [
                "DjobeaDomain",
                "DjobeaStore",
                "DjobeaDemo",
                "DjobeaReplication",
                "DjobeaServer",
                "DjobeaSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // djobea-bench: the foundation's figures, and the hub writes and write bursts that the sync benchmark and the
        // crash-safety test drive (kept out of the production binary).
        .executableTarget(
            name: "DjobeaBench", dependencies: ["DjobeaDomain", "DjobeaStore", "DjobeaDemo"]),
        // Drains 10 000 client messages through `djobea central` against the fake WhatsApp Cloud API (scripts/bench-gateway.sh).
        .executableTarget(
            name: "DjobeaGatewayBench",
            dependencies: ["DjobeaDomain", "DjobeaStore", "DjobeaGatewayFakes", .product(name: "GRDB", package: "GRDB.swift")]),
        // N simulated hubs against one central (SQLite or PostgreSQL), in-process: rounds/s, round latency, CPU and memory
        // (scripts/bench-fleet.sh).
        .executableTarget(
            name: "DjobeaFleetBench",
            dependencies: [
                "DjobeaDomain", "DjobeaReplication", "DjobeaStore", "DjobeaSync", "DjobeaPostgres", .product(name: "Logging", package: "swift-log"),
            ]),
        // What every test target shares: the seeded random generator, temporary directories, databases and node storages,
        // central and two hubs synced in-process (`SyncedNodes`), the property test's schedule engine (`SyncProperty`,
        // central on SQLite or PostgreSQL), the `djobea` process helpers (binary, free ports, start and kill, waiting), an HTTP client, reading JSON answers (raw, or
        // decoded into the server's public types with its key policy), fixtures (tiny real images).
        .target(
            name: "DjobeaTestSupport",
            dependencies: [
                "DjobeaDomain", "DjobeaReplication", "DjobeaStore", "DjobeaServer", "DjobeaSync", "DjobeaPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/DjobeaTestSupport"
        ),
        // PostgreSQL plumbing against a throwaway cluster (scripts/with-postgres.sh sets DJOBEA_TEST_POSTGRES_URL; the
        // suites skip without it): URL parsing, migrations, schema parity with SQLite, session errors, change log order.
        // The sync core through each storage adapter: the vectors on SQLite and PostgreSQL; the property test's schedules
        // with central on PostgreSQL.
        .testTarget(
            name: "DjobeaReplicationTests",
            dependencies: [
                "DjobeaDomain", "DjobeaReplication", "DjobeaStore", "DjobeaPostgres", "DjobeaSync", "DjobeaTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DjobeaPostgresTests",
            dependencies: [
                "DjobeaDomain", "DjobeaReplication", "DjobeaStore", "DjobeaPostgres", "DjobeaServer", "DjobeaTestSupport",
                "DjobeaGateway", "DjobeaGatewayFakes", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "DjobeaDomainTests", dependencies: ["DjobeaDomain", "DjobeaTestSupport"]),
        // The PDF writer, invoice and quote rendering, the statement exports, opened with real readers (qpdf, pdftotext,
        // Debian's python3 with openpyxl).
        .testTarget(name: "DjobeaDocumentsTests", dependencies: ["DjobeaDocuments", "DjobeaDomain", "DjobeaTestSupport"]),
        // Local fakes of the outside services (WhatsApp Cloud, Twilio, a Web Push service) on 127.0.0.1.
        .target(
            name: "DjobeaGatewayFakes",
            dependencies: [
                "DjobeaGateway", "DjobeaDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/DjobeaGatewayFakes"
        ),
        .testTarget(
            name: "DjobeaGatewayTests",
            dependencies: [
                "DjobeaGateway", "DjobeaGatewayFakes", "DjobeaDomain", "DjobeaTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "DjobeaStoreTests", dependencies: ["DjobeaDomain", "DjobeaReplication", "DjobeaStore", "DjobeaDemo", "DjobeaTestSupport"]),
        .testTarget(
            name: "DjobeaAuthTests",
            dependencies: [
                "DjobeaAuth", "DjobeaStore", "DjobeaDomain", "DjobeaTestSupport", "DjobeaGatewayFakes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "DjobeaServerTests",
            dependencies: [
                "DjobeaServer", "DjobeaStore", "DjobeaDemo", "DjobeaAuth", "DjobeaDomain", "DjobeaReplication", "DjobeaSync", "CBrotli",
                "DjobeaTestSupport",
                "DjobeaGateway", "DjobeaGatewayFakes",
                "DjobeaDocuments",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Sync across nodes: the property test over random schedules, the wire codec, the photo lane, and the black-box
        // runs of `djobea central` and `djobea hub` processes (acceptance, a hub killed mid-sync).
        .testTarget(
            name: "DjobeaSyncTests",
            dependencies: [
                "DjobeaSync", "DjobeaServer", "DjobeaStore", "DjobeaDomain", "DjobeaReplication", "DjobeaTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The PWA compiled into the binary: `EmbedWebPlugin` lists web/ (tests aside) at every build and `DjobeaEmbedWeb`
        // writes the files as base64 string literals into `DjobeaWebAssets` (a small target of its own, so a change in web/
        // recompiles one generated file, not the server).
        .executableTarget(name: "DjobeaEmbedWeb"),
        .plugin(name: "EmbedWebPlugin", capability: .buildTool(), dependencies: ["DjobeaEmbedWeb"]),
        .target(name: "DjobeaWebAssets", plugins: ["EmbedWebPlugin"]),
    ],
    swiftLanguageModes: [.v6]
)
