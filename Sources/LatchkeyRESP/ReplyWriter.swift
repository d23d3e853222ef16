// Reply encoder: appends RESP2 or RESP3 encodings to a byte buffer. The protocol version is a
// property of the writer (a connection's HELLO sets it), so handlers say what they mean
// ("null", "map of 3") and the writer picks `$-1` vs `_`, `%` vs `*`. It knows no commands.
import LatchkeyCore

/// Appends RESP replies to `bytes`. One per connection (and one per script call).
public final class ReplyWriter {
    /// The encoded replies not yet handed to the connection.
    @exclusivity(unchecked) public var bytes: Bytes
    /// 2 or 3.
    @exclusivity(unchecked) public var protocolVersion: Int

    public init(protocolVersion: Int = 2, capacity: Int = 256) {
        self.protocolVersion = protocolVersion
        bytes = Bytes()
        bytes.reserveCapacity(capacity)
    }

    @inlinable public var isRESP3: Bool { protocolVersion == 3 }

    /// Takes the encoded bytes, leaving the writer empty.
    public func take() -> Bytes {
        let b = bytes
        bytes.removeAll(keepingCapacity: true)
        return b
    }

    // MARK: simple values

    @inlinable public func ok() {
        bytes.append(contentsOf: [43, 79, 75, 13, 10] as [UInt8])  // +OK\r\n
    }

    /// `+text\r\n`. `text` must not contain CR or LF.
    @inlinable public func status(_ text: StaticString) {
        bytes.append(43)
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        crlf()
    }

    /// `+text\r\n` from runtime bytes; CR/LF are replaced by spaces as Redis does.
    public func status(bytes text: Bytes) {
        bytes.append(43)
        for c in text { bytes.append(c == 13 || c == 10 ? 32 : c) }
        crlf()
    }

    /// `-text\r\n`. The text carries its own code (`ERR ...`, `WRONGTYPE ...`); CR/LF become spaces.
    public func error(_ text: String) {
        bytes.append(45)
        for c in text.utf8 { bytes.append(c == 13 || c == 10 ? 32 : c) }
        crlf()
    }

    /// `+text\r\n` from borrowed bytes (a script's status reply); CR/LF become spaces.
    public func status(_ text: UnsafeBufferPointer<UInt8>) { line(43, text) }

    /// `-text\r\n` from borrowed bytes (a script's error reply); CR/LF become spaces.
    public func error(_ text: UnsafeBufferPointer<UInt8>) { line(45, text) }

    @inlinable public func integer(_ v: Int64) {
        bytes.append(58)  // ':'
        ASCII.appendDecimal(v, to: &bytes)
        crlf()
    }

    @inlinable public func integer(_ v: Int) { integer(Int64(v)) }

    // MARK: bulk strings

    @inlinable public func bulk(_ p: UnsafePointer<UInt8>, _ n: Int) {
        bytes.append(36)  // '$'
        ASCII.appendDecimal(Int64(n), to: &bytes)
        crlf()
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        crlf()
    }

    @inlinable public func bulk(_ v: ByteView) { bulk(v.base, v.count) }

    @inlinable public func bulk(_ v: UnsafeRawBufferPointer) {
        if let b = v.baseAddress {
            bulk(b.assumingMemoryBound(to: UInt8.self), v.count)
        } else {
            bytes.append(contentsOf: [36, 48, 13, 10, 13, 10] as [UInt8])
        }
    }

    public func bulk(_ v: Bytes) {
        bytes.append(36)
        ASCII.appendDecimal(Int64(v.count), to: &bytes)
        crlf()
        bytes.append(contentsOf: v)
        crlf()
    }

    public func bulk(string: String) { bulk(Bytes(string.utf8)) }

    // MARK: nulls

    /// A missing value: `$-1` in RESP2, `_` in RESP3.
    @inlinable public func null() {
        if protocolVersion == 3 {
            bytes.append(contentsOf: [95, 13, 10] as [UInt8])
        } else {
            bytes.append(contentsOf: [36, 45, 49, 13, 10] as [UInt8])
        }
    }

    /// A missing array (BLPOP timeout): `*-1` in RESP2, `_` in RESP3.
    public func nullArray() {
        if protocolVersion == 3 {
            bytes.append(contentsOf: [95, 13, 10] as [UInt8])
        } else {
            bytes.append(contentsOf: [42, 45, 49, 13, 10] as [UInt8])
        }
    }

    // MARK: aggregates

    @inlinable public func arrayHeader(_ n: Int) { header(42, n) }

    /// A map of `n` pairs: `%n` in RESP3, a flat array of 2n in RESP2.
    public func mapHeader(_ n: Int) { if protocolVersion == 3 { header(37, n) } else { header(42, n * 2) } }

    /// A set: `~n` in RESP3, an array in RESP2.
    public func setHeader(_ n: Int) { if protocolVersion == 3 { header(126, n) } else { header(42, n) } }

    /// An out-of-band push: `>n` in RESP3, an array in RESP2 (pub/sub messages).
    public func pushHeader(_ n: Int) { if protocolVersion == 3 { header(62, n) } else { header(42, n) } }

    // MARK: RESP3 scalars (down-converted in RESP2)

    /// `,d` in RESP3; a bulk string of the same text in RESP2 (as Redis's addReplyDouble).
    public func double(_ d: Double) {
        let text = RESPFormat.double(d)
        if protocolVersion == 3 {
            bytes.append(44)
            bytes.append(contentsOf: text.utf8)
            crlf()
        } else {
            bulk(string: text)
        }
    }

    /// `#t`/`#f` in RESP3; `:1`/`:0` in RESP2.
    public func bool(_ b: Bool) {
        if protocolVersion == 3 {
            bytes.append(contentsOf: [35, b ? 116 : 102, 13, 10] as [UInt8])
        } else {
            integer(b ? 1 : 0)
        }
    }

    /// `=len\r\ntxt:...` in RESP3; a bulk string in RESP2. `format` is three bytes (`txt`, `mkd`).
    public func verbatim(_ text: Bytes, format: StaticString = "txt") {
        if protocolVersion == 3 {
            bytes.append(61)
            ASCII.appendDecimal(Int64(text.count + 4), to: &bytes)
            crlf()
            bytes.append(contentsOf: UnsafeBufferPointer(start: format.utf8Start, count: 3))
            bytes.append(58)
            bytes.append(contentsOf: text)
            crlf()
        } else {
            bulk(text)
        }
    }

    /// `=len\r\nfmt:...` in RESP3 with `format` cut or space-padded to three bytes (a script's
    /// verbatim reply); a bulk string of `text` in RESP2.
    public func verbatim(format: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>) {
        guard protocolVersion == 3 else {
            if let p = text.baseAddress { bulk(p, text.count) } else { bulk(Bytes()) }
            return
        }
        bytes.append(61)
        ASCII.appendDecimal(Int64(text.count + 4), to: &bytes)
        crlf()
        bytes.append(contentsOf: format.prefix(3))
        if format.count < 3 { bytes.append(contentsOf: repeatElement(32, count: 3 - format.count)) }
        bytes.append(58)
        bytes.append(contentsOf: text)
        crlf()
    }

    /// `(n` big number in RESP3, bulk in RESP2.
    public func bigNumber(_ digits: Bytes) {
        if protocolVersion == 3 {
            bytes.append(40)
            bytes.append(contentsOf: digits)
            crlf()
        } else {
            bulk(digits)
        }
    }

    /// Appends already-encoded reply bytes.
    public func raw(_ encoded: Bytes) { bytes.append(contentsOf: encoded) }

    // MARK: helpers

    /// `type`, the bytes with CR/LF as spaces, CRLF.
    private func line(_ type: UInt8, _ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(type)
        for c in text { bytes.append(c == 13 || c == 10 ? 32 : c) }
        crlf()
    }

    @inlinable func header(_ type: UInt8, _ n: Int) {
        bytes.append(type)
        ASCII.appendDecimal(Int64(n), to: &bytes)
        crlf()
    }

    @inlinable func crlf() {
        bytes.append(13)
        bytes.append(10)
    }
}

/// Number formatting shared by the writer and the commands.
public enum RESPFormat {
    /// Redis's text for a double reply: `inf`, `-inf`, `nan`, integers without a fraction
    /// (`3`), otherwise the shortest round-tripping form (`3.5`).
    public static func double(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == d.rounded() && abs(d) < 1e17 { return String(Int64(d)) }
        return String(d)
    }
}
