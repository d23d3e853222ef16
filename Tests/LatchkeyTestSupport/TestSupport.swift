// Helpers shared by the unit test targets only (never linked into the server).
import LatchkeyCore

/// Feeds `input` to a decoder-like closure whole, byte by byte, and concatenated with itself,
/// and returns the three results for comparison.
public enum DripFeed {
    /// Splits `input` into every prefix boundary: [b0], [b0 b1], ... for decoders that must
    /// report "need more data" on each strict prefix.
    public static func prefixes(_ input: Bytes) -> [Bytes] {
        (0...input.count).map { Array(input[0..<$0]) }
    }
}
