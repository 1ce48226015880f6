/// What a node is: a neighbourhood hub or the central node.
public enum NodeRole: String, Sendable, Codable, CaseIterable {
    case hub, central
}
