// The byte layout of the log: a 16-byte versioned file header, then framed records
// `length(u32 LE) type(u8) payload CRC32C(u32 LE over length+type+payload)`. This file owns the
// framing and the header; the per-record payload fields are in RecordCodec+Payload.swift. What a
// torn or corrupt frame means for replay is LogReader's business (see docs/log-format.md).

/// Record type bytes. Values are part of the on-disk format: never renumber, only add.
public enum RecordType: UInt8, Sendable, CaseIterable {
    case set = 1
    case delete = 2
    case expireAt = 3
    case persist = 4
    case flushDB = 5
    case flushAll = 6
    // Keyspace records added after the broker's block (16-63) sit at 64 and up.
    case listPush = 64
    case listPop = 65
    case listSet = 66
    case listInsert = 67
    case listRemove = 68
    case listTrim = 69
    case hashSet = 70
    case hashDelete = 71
    case rename = 72
    case queueDeclared = 16
    case queueDeleted = 17
    case queuePurged = 18
    case exchangeDeclared = 19
    case exchangeDeleted = 20
    case bound = 21
    case unbound = 22
    case messageEnqueued = 23
    case messageSettled = 24
}

/// The outcome of checking a file header.
public enum HeaderCheck: Equatable, Sendable {
    case ok
    /// Fewer than `headerSize` bytes, all of them a prefix of a valid header (crash at creation).
    case incomplete
    case badMagic
    case badVersion(UInt32)
    case badChecksum
}

/// Encodes and decodes the file header and record frames.
public enum RecordCodec {
    /// "\x89LKLOG\r\n": the high byte and CR/LF catch files mangled by text-mode transfers.
    public static let magic: [UInt8] = [0x89, 0x4C, 0x4B, 0x4C, 0x4F, 0x47, 0x0D, 0x0A]
    public static let version: UInt32 = 1
    /// magic(8) version(u32 LE) CRC32C-of-the-first-12-bytes(u32 LE).
    public static let headerSize = 16
    /// length(4) + type(1) + CRC(4).
    public static let frameOverhead = 9
    /// Largest payload a reader accepts; a larger length is corruption, not a big record.
    public static let maxPayload = 1 << 30

    /// The 16 header bytes of a new log file.
    public static func fileHeader() -> [UInt8] {
        var h = magic
        appendU32(version, to: &h)
        appendU32(CRC32C.checksum(h), to: &h)
        return h
    }

    /// Checks the first bytes of a file (`bytes` may be shorter than the header).
    public static func checkHeader(_ bytes: UnsafeRawBufferPointer) -> HeaderCheck {
        let expected = fileHeader()
        if bytes.count < headerSize {
            for i in 0..<bytes.count where bytes[i] != expected[i] { return i < 8 ? .badMagic : .badChecksum }
            return .incomplete
        }
        for i in 0..<8 where bytes[i] != magic[i] { return .badMagic }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<12]))
        if crc != bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian { return .badChecksum }
        let v = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        return v == version ? .ok : .badVersion(v)
    }

    /// Appends one framed record to `out` (the journal's pending buffer or a rewrite chunk).
    /// A record whose payload would exceed `maxPayload` cannot be read back, so it is not
    /// written: `out` is left as it was and the result is false. Callers keep writes that large
    /// from happening (the RESP gate checks `aof-max-record-size`; AMQP messages are capped by
    /// `amqp-max-message-size`), so this is the last line, never a trap.
    @discardableResult public static func encode(_ record: LogRecord, into out: inout [UInt8]) -> Bool {
        let start = beginFrame(record.type, in: &out)
        encodePayload(record, into: &out)
        guard out.count - start - 5 <= maxPayload else {
            out.removeSubrange(start...)
            return false
        }
        endFrame(startingAt: start, in: &out)
        return true
    }

    /// Starts a record at the end of `out`: a length placeholder and the type byte. Returns where
    /// the record starts, for `endFrame`.
    @inline(__always) static func beginFrame(_ type: RecordType, in out: inout [UInt8]) -> Int {
        let start = out.count
        for _ in 0..<4 { out.append(0) }
        out.append(type.rawValue)
        return start
    }

    /// Fills in the payload length of the record at `start` and appends its CRC-32C.
    @inline(__always) static func endFrame(startingAt start: Int, in out: inout [UInt8]) {
        let payloadLength = out.count - start - 5
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(payloadLength).littleEndian, toByteOffset: start, as: UInt32.self)
        }
        let crc = out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        appendU32(crc, to: &out)
    }

    /// Frames a `set` record straight from borrowed bytes (rewrite snapshots: no `LogRecord`
    /// and no key/value copies per key). False (nothing appended) when it would exceed `maxPayload`.
    @discardableResult public static func encodeSet(
        db: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, expireAtMs: Int64, into out: inout [UInt8]
    ) -> Bool {
        // varints (db, two lengths) take at most 30 bytes, the expiry 8.
        guard key.count <= maxPayload - 38 - value.count else { return false }
        let start = beginFrame(.set, in: &out)
        putVarint(UInt64(db), &out)
        putVarint(UInt64(key.count), &out)
        appendRaw(key, to: &out)
        putVarint(UInt64(value.count), &out)
        appendRaw(value, to: &out)
        putI64(expireAtMs, &out)
        endFrame(startingAt: start, in: &out)
        return true
    }

    /// One framed record as a fresh array (tests, check-log).
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        encode(record, into: &out)
        return out
    }

    /// The result of looking at the bytes at a record boundary.
    public enum Frame: Equatable {
        /// A complete frame whose CRC matches: type byte and payload range within the buffer.
        case record(type: UInt8, payloadStart: Int, payloadCount: Int, next: Int)
        /// The buffer ends before the frame does (declared `need` bytes in total).
        case incomplete(need: Int)
        /// The length is impossible or the CRC does not match.
        case bad(String)
    }

    /// Inspects the frame starting at `offset` of `buf` without copying.
    @inline(__always) public static func frame(in buf: UnsafeRawBufferPointer, at offset: Int) -> Frame {
        let avail = buf.count - offset
        if avail < 4 { return .incomplete(need: frameOverhead) }
        let len = Int(buf.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
        if len > maxPayload { return .bad("record length \(len) exceeds the maximum") }
        let total = len + frameOverhead
        if avail < total { return .incomplete(need: total) }
        let crcAt = offset + 5 + len
        let stored = buf.loadUnaligned(fromByteOffset: crcAt, as: UInt32.self).littleEndian
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buf[offset..<crcAt]))
        if crc != stored { return .bad("CRC mismatch") }
        return .record(type: buf[offset + 4], payloadStart: offset + 5, payloadCount: len, next: offset + total)
    }

    /// Decodes every framed record in `bytes` (which must hold whole frames only).
    /// Returns nil if any frame is incomplete, fails its CRC, or has a malformed payload.
    public static func decodeAll(_ bytes: [UInt8]) -> [LogRecord]? {
        bytes.withUnsafeBytes { buf -> [LogRecord]? in
            var out: [LogRecord] = []
            var at = 0
            while at < buf.count {
                guard case .record(let type, let ps, let pc, let next) = frame(in: buf, at: at),
                    let r = decodePayload(type: type, UnsafeRawBufferPointer(rebasing: buf[ps..<ps + pc]))
                else { return nil }
                out.append(r)
                at = next
            }
            return out
        }
    }

    /// memcpy-speed append of borrowed bytes (the generic Sequence path copies byte by byte).
    @inline(__always) static func appendRaw(_ src: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard let base = src.baseAddress, !src.isEmpty else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: src.count))
    }

    @inline(__always) static func appendU32(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: v))
        out.append(UInt8(truncatingIfNeeded: v >> 8))
        out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 24))
    }
}

extension LogRecord {
    /// The type byte this record is framed with.
    public var type: RecordType {
        switch self {
        case .set: return .set
        case .delete: return .delete
        case .expireAt: return .expireAt
        case .persist: return .persist
        case .flushDB: return .flushDB
        case .flushAll: return .flushAll
        case .listPush: return .listPush
        case .listPop: return .listPop
        case .listSet: return .listSet
        case .listInsert: return .listInsert
        case .listRemove: return .listRemove
        case .listTrim: return .listTrim
        case .hashSet: return .hashSet
        case .hashDelete: return .hashDelete
        case .rename: return .rename
        case .queueDeclared: return .queueDeclared
        case .queueDeleted: return .queueDeleted
        case .queuePurged: return .queuePurged
        case .exchangeDeclared: return .exchangeDeclared
        case .exchangeDeleted: return .exchangeDeleted
        case .bound: return .bound
        case .unbound: return .unbound
        case .messageEnqueued: return .messageEnqueued
        case .messageSettled: return .messageSettled
        }
    }
}
