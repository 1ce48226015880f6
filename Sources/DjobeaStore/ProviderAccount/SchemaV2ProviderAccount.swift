/// Schema additions of this area (migration "ProviderAccount" in `Migrations`), empty until it needs one.
enum SchemaV2ProviderAccount {
    static let sql = ""
}
