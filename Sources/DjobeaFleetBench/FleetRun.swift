import DjobeaDomain
import DjobeaReplication
import DjobeaStore
import DjobeaSync
import Foundation
import Logging

/// The bench's settings.
struct FleetOptions: Sendable {
    var hubs = [50, 200, 500]
    var backends: [FleetBackend] = [.sqlite, .postgres]
    var duration = 60.0
    var warmup = 20.0
    var interval = 10.0
    var connections = 8
    var output = "test-output/fleet-bench.json"
    var seed: UInt64 = 42
    /// Whether each hub starts with the full download of its partition (cursor 0) instead of at central's log head.
    var fullInitialPull = false
}

/// One configuration's run: set central up, enrol and start the hubs, warm up, measure, drain, check.
struct FleetRun {
    let options: FleetOptions
    let backend: FleetBackend
    let hubCount: Int
    let schemaVersion: Int
    let logger: Logger

    static let service = ServiceCatalogue.builtIn[0].code.rawValue

    func run() async throws -> FleetResult {
        let clusterURL = ProcessInfo.processInfo.environment["DJOBEA_TEST_POSTGRES_URL"]
        let central = try await FleetCentral.open(
            backend, clusterURL: clusterURL, connections: options.connections, label: "\(backend.rawValue)_\(hubCount)", logger: logger)
        do {
            let result = try await measure(central)
            await central.remove(logger: logger)
            return result
        } catch {
            await central.remove(logger: logger)
            throw error
        }
    }

    private func measure(_ central: FleetCentral) async throws -> FleetResult {
        let setupStart = ContinuousClock.now
        let hubs = try await enrol(central)
        let zones = hubs.flatMap { hub in ["h\(hub.index)-a", "h\(hub.index)-b"] }
        let setupSeconds = (ContinuousClock.now - setupStart).seconds
        if let settings = central.settings {
            say("  PostgreSQL : \(settings), postmaster \(central.postmasterPid.map(String.init) ?? "introuvable")")
        }
        say("  central prêt, \(hubs.count) hubs inscrits en \(String(format: "%.1f", setupSeconds)) s")

        let samples = LockedValueBox<[RoundSample]>([])
        let intakes = LockedValueBox<(count: Int, failed: Int, seconds: Double)>((0, 0, 0))
        let firstRounds = LockedValueBox(0)
        let clock = ContinuousClock()
        let begin = clock.now
        let interval = options.interval
        // Warm-up: at least `warmup` seconds, and every hub past its first round (its initial partition pull).
        let sampler = PostgresActivitySampler()
        let samplerTask = central.postgres.map { database in
            Task { await sampler.run(database: database, name: central.databaseName ?? "") }
        }
        let stop = LockedValueBox(false)
        let intakeTask = Task {
            var random = SplitMix(seed: options.seed &+ 7)
            let mean = 60.0 / Double(hubCount)
            var phones = 0
            while !stop.update({ $0 }) {
                let wait = -log(max(1e-9, 1 - random.unit())) * mean
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                phones += 1
                let phone = "+2376" + String(format: "%08d", (Int(options.seed % 1000) * 100_000 + phones) % 100_000_000)
                let start = clock.now
                do {
                    _ = try await FleetSetup.intakeRequest(
                        central.storage, zone: zones[random.next(zones.count)], service: Self.service, phone: phone)
                    intakes.update {
                        $0.count += 1; $0.seconds += (clock.now - start).seconds
                    }
                } catch {
                    intakes.update { $0.failed += 1 }
                    FleetErrors.shared.note("intake: \(error)")
                }
            }
        }
        let hubTasks = hubs.map { hub in
            Task {
                var random = SplitMix(seed: options.seed &+ UInt64(hub.index) &* 31)
                var next = begin + .milliseconds(Int(random.unit() * interval * 1000))
                var first = true
                while true {
                    try? await Task.sleep(until: next, clock: clock)
                    if stop.update({ $0 }) { return }
                    let sample = await hub.round(central: central.service, work: true)
                    if first, !sample.failed {
                        first = false
                        firstRounds.update { $0 += 1 }
                    }
                    samples.update { $0.append(sample) }
                    next = next + .milliseconds(Int(interval * 1000))
                    if next < clock.now { next = clock.now }
                }
            }
        }
        while clock.now - begin < .seconds(options.warmup) || firstRounds.update({ $0 }) < hubCount {
            try await Task.sleep(for: .milliseconds(200))
            if clock.now - begin > .seconds(options.warmup * 10 + 120) { throw FleetError("échauffement trop long : premiers tours inachevés") }
        }
        let warmupSeconds = (clock.now - begin).seconds
        // The measured window.
        _ = sampler.take()
        _ = FleetErrors.shared.drain()
        let windowStart = clock.now
        let cpu0 = ProcessStats.ownCPUSeconds()
        let machine0 = ProcessStats.machineBusySeconds()
        let pgCPU0 = central.postmasterPid.map(ProcessStats.clusterCPUSeconds(postmaster:))
        let times0 = central.timed.times.withLock { $0 }
        let intake0 = intakes.update { $0 }
        samples.update { all in all.removeAll { $0.start + .seconds($0.seconds) < windowStart } }
        try await Task.sleep(for: .seconds(options.duration))
        let windowEnd = clock.now
        let wall = (windowEnd - windowStart).seconds
        let cpu = ProcessStats.ownCPUSeconds() - cpu0
        let machine = ProcessStats.machineBusySeconds() - machine0
        let load = ProcessStats.loadAverage()
        var pgCPU: Double?
        if let pid = central.postmasterPid, let before = pgCPU0 { pgCPU = ProcessStats.clusterCPUSeconds(postmaster: pid) - before }
        let rss = ProcessStats.ownRSSMegabytes()
        let pgMemory = central.postmasterPid.map(ProcessStats.clusterMemoryMegabytes(postmaster:))
        let times = central.timed.times.withLock { $0 } - times0
        let activity = sampler.take()
        let intake1 = intakes.update { $0 }
        // The rounds that ended in the window (throughput), whenever they started.
        let measured = samples.update { all in
            all.filter { $0.start + .seconds($0.seconds) >= windowStart && $0.start + .seconds($0.seconds) <= windowEnd }
        }
        let errors = FleetErrors.shared.drain()

        // Drain: no new work; every hub pushes what it still holds, then central's version vector must hold each hub's
        // last sequence number.
        stop.update { $0 = true }
        for task in hubTasks { await task.value }
        intakeTask.cancel()
        await intakeTask.value
        samplerTask?.cancel()
        await samplerTask?.value
        var drainFailures = 0
        for hub in hubs {
            if await hub.round(central: central.service, work: false).failed { drainFailures += 1 }
        }
        let vector = try await central.storage.versionVector()
        let complete = hubs.filter { vector[$0.nodeId] ?? 0 == $0.seq }.count
        let quarantined = try await central.storage.replicaRead { connection in
            try connection.query("SELECT count(*) FROM change_log WHERE quarantined = 1", []).first?[0].integerValue ?? 0
        }
        let logSize = try await central.storage.changeLogHead()

        return FleetResult(
            backend: backend.rawValue, hubs: hubCount, setupSeconds: setupSeconds, warmupSeconds: warmupSeconds, windowSeconds: wall,
            samples: measured, offeredRoundsPerSecond: Double(hubCount) / interval, processCPU: cpu / wall, processRSS: rss,
            postgresCPU: pgCPU.map { $0 / wall }, postgresMemory: pgMemory, times: times, activity: central.postgres == nil ? nil : activity,
            intakes: intake1.count - intake0.count, intakeFailures: intake1.failed - intake0.failed,
            intakeSeconds: intake1.seconds - intake0.seconds, errors: errors, drainFailures: drainFailures, vectorComplete: complete,
            quarantined: Int(quarantined), logHead: logSize, settings: central.settings, machineCPU: machine / wall, loadAverage: load)
    }

    /// Enrols the hubs (two zones each, 2–3 providers each) through central's APIs and makes their simulations.
    private func enrol(_ central: FleetCentral) async throws -> [SimulatedHub] {
        try await FleetSetup.seedReferenceData(central.storage)
        var random = SplitMix(seed: options.seed)
        var hubs: [SimulatedHub] = []
        for index in 0..<hubCount {
            let name = "Hub \(index)"
            let codes = ["h\(index)-a", "h\(index)-b"]
            let token = try await FleetSetup.enrolHub(central.storage, name: name, zoneCodes: codes)
            let nodeId = DjobeaID.v7()
            guard let redeemed = try await central.storage.redeemEnrolment(token: token, nodeId: nodeId) else {
                throw FleetError("jeton d'inscription refusé pour \(name)")
            }
            var providers: [String] = []
            for number in 0..<(2 + random.next(2)) {
                let phone = "+2376" + String(format: "%08d", index * 10 + number)
                providers.append(
                    try await FleetSetup.registerProvider(
                        central.storage, name: "Prestataire \(index).\(number)", phone: phone, service: Self.service,
                        zoneCodes: number == 0 ? codes : [codes[number % 2]]))
            }
            // The hub's identity as central's request check gives it (one signed request; rounds then skip signing).
            let body = Data("{}".utf8)
            let time = Date().unixMillis
            let signature = SyncSignature.sign(
                secret: redeemed.secret, method: "POST", path: "/sync/v1/pull", hubId: redeemed.hubId, counter: 1, time: time, body: body)
            let identity = try await central.service.authenticate(
                method: "POST", path: "/sync/v1/pull",
                headers: [
                    SyncSignature.Header.hub.lowercased(): redeemed.hubId, SyncSignature.Header.counter.lowercased(): "1",
                    SyncSignature.Header.time.lowercased(): String(time), SyncSignature.Header.signature.lowercased(): signature,
                ], body: body)
            hubs.append(
                SimulatedHub(
                    index: index, identity: identity, zoneIds: Set(codes.map { DjobeaID.derived(namespace: "zone", name: $0) }), providers: providers,
                    schemaVersion: schemaVersion, seed: options.seed &+ UInt64(index)))
        }
        if !options.fullInitialPull {
            // Hubs enrolled long ago: each starts at central's log head with its partition's fingerprint, as after its
            // first download (that one-off scan of the whole log is not part of the steady state measured here).
            let head = try await central.storage.changeLogHead()
            for hub in hubs {
                let fingerprint = try await central.storage.partitionFingerprint(hubId: hub.identity.hubId)
                let providers = hub.providers
                let settings = try await central.storage.replicaRead { connection in
                    var found: [String: String] = [:]
                    for provider in providers {
                        if let id = try connection.query("SELECT id FROM provider_settings WHERE provider_id = ?", [.text(provider)]).first?[0]
                            .textValue
                        {
                            found[provider] = id
                        }
                    }
                    return found
                }
                hub.startSynced(cursor: head, partition: fingerprint, settings: settings)
            }
        }
        return hubs
    }

    private func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
