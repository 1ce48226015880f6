/// How hard a commit insists on reaching the disk.
public enum Durability: Sendable {
    /// WAL with `synchronous=NORMAL`: survives a killed process; a power cut may lose the last commits.
    case standard
    /// `synchronous=FULL` for this transaction: the WAL is fsynced at commit, so it survives a power cut too.
    case critical
}
