// The code under test: a lease (a Redis lock with a TTL) taken with `SET key owner NX PX ttl`.
// It only builds the commands and reads the replies; the transport is the caller's, so the
// tests can hand it Latchkey's control connection.

/// A lease on one resource, held by one owner for a limited time.
public struct Lease: Sendable {
    public let resource: String
    public let owner: String
    public let ttlMs: Int64

    public init(resource: String, owner: String, ttlMs: Int64) {
        self.resource = resource
        self.owner = owner
        self.ttlMs = ttlMs
    }

    /// The command that takes the lease if nobody holds it.
    public var acquireCommand: [String] { ["SET", "lease:" + resource, owner, "NX", "PX", String(ttlMs)] }

    /// Whether the reply to `acquireCommand` means the lease is ours (`+OK`, not a nil bulk).
    public static func acquired(statusReply: String?) -> Bool { statusReply == "OK" }
}
