// Secret comparison for passwords (RESP requirepass / AUTH / HELLO AUTH, AMQP users): the time
// taken depends only on the length of what the client sent, never on how many leading bytes
// match, so response timing cannot be used to guess a password byte by byte. Not for hot paths.

/// Timing-independent equality of a client-supplied value with a stored secret.
public enum ConstantTime {
    /// True when `given` equals `secret`. Every byte of `given` is visited and compared with a
    /// byte of `secret` (cycled), with no early exit; only `given.count` affects the time.
    @inline(never) public static func equals(
        _ given: UnsafeBufferPointer<UInt8>, _ secret: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        var diff = UInt(bitPattern: given.count ^ secret.count)
        let n = secret.count
        var j = 0
        for i in 0..<given.count {
            let s: UInt8 = n == 0 ? 0 : secret[j]
            diff |= UInt(given[i] ^ s)
            j += 1
            if j == n { j = 0 }
        }
        return diff == 0
    }

    public static func equals(_ given: ByteView, _ secret: Bytes) -> Bool {
        secret.withUnsafeBufferPointer { equals(given.buffer, $0) }
    }

    public static func equals(_ given: Bytes, _ secret: Bytes) -> Bool {
        given.withUnsafeBufferPointer { g in secret.withUnsafeBufferPointer { equals(g, $0) } }
    }
}
