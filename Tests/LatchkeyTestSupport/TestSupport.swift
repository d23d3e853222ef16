// Helpers shared by the unit test targets only (never linked into the server).
// DripFeed simulates a connection's read buffer for any "decode what you can" function, so
// decoders are checked fed whole, byte by byte, and concatenated with themselves.
import LatchkeyCore

/// Feeds `input` to a decoder-like closure whole, byte by byte, and concatenated with itself.
public enum DripFeed {
    /// Splits `input` into every prefix boundary: [b0], [b0 b1], ... for decoders that must
    /// report "need more data" on each strict prefix.
    public static func prefixes(_ input: Bytes) -> [Bytes] { (0...input.count).map { Array(input[0..<$0]) } }

    /// Runs `decode` the way a server would: bytes arrive in `chunks`, are appended to a buffer,
    /// `decode` returns what it produced and how many bytes it consumed, and the consumed prefix
    /// is dropped. Returns everything produced and the bytes left unconsumed at the end.
    public static func run<T>(
        _ chunks: [Bytes], _ decode: (UnsafeRawBufferPointer) -> (items: [T], consumed: Int)
    ) -> (items: [T], leftover: Bytes) {
        var buffer = Bytes()
        var out: [T] = []
        for c in chunks {
            buffer.append(contentsOf: c)
            let (items, consumed) = buffer.withUnsafeBytes { decode($0) }
            precondition(consumed <= buffer.count, "decoder consumed more than it was given")
            out.append(contentsOf: items)
            buffer.removeFirst(consumed)
        }
        return (out, buffer)
    }

    /// The three standard feedings of `input`: whole, one byte at a time, and twice in a row.
    public static func feedings(_ input: Bytes) -> (whole: [Bytes], bytes: [Bytes], twice: [Bytes]) {
        (whole: [input], bytes: input.map { [$0] }, twice: [input + input])
    }
}
