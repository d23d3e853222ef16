// Limits and helpers for AMQP short strings (u8 length, so at most 255 bytes): queue and
// exchange names, consumer tags, reply texts. Callers decide what an over-long value means.
import LatchkeyCore

/// Short-string rules shared by the codec and the sessions.
package enum ShortString {
    /// The wire limit of a shortstr.
    package static let maxLength = 255

    /// Whether `s` fits in a shortstr.
    @inlinable package static func fits(_ s: Bytes) -> Bool { s.count <= maxLength }

    /// `s` cut to at most 255 bytes, never splitting a UTF-8 sequence (reply texts).
    package static func truncated(_ s: String) -> Bytes {
        var b = Bytes(s.utf8)
        if b.count <= maxLength { return b }
        var n = maxLength
        // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
        while n > 0 && b[n] & 0xC0 == 0x80 { n -= 1 }
        b.removeSubrange(n...)
        return b
    }
}
