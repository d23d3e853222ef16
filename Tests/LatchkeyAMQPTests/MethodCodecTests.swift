// Checks the generated method codecs against the spec JSON itself: for every method in
// ../shared/spec/amqp-rabbitmq-0.9.1.json the test encodes distinct argument values with its own
// JSON-driven encoder, decodes them with the generated code, compares ids, field names, field
// order and values (via Mirror), and re-encodes to the same bytes.
import Foundation
import LatchkeyCore
import Testing

@testable import LatchkeyAMQP

struct SpecArg {
    let name: String
    let type: String
}

struct SpecMethod: CustomStringConvertible, Sendable {
    let className: String
    let classID: UInt16
    let name: String
    let methodID: UInt16
    let args: [SpecArg]
    var description: String { "\(className).\(name)" }
}

extension SpecArg: Sendable {}

enum Spec {
    /// Walks up from this file to the directory holding shared/spec (main checkout or worktree).
    static func url() -> URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<8 {
            let cand = dir.appendingPathComponent("shared/spec/amqp-rabbitmq-0.9.1.json")
            if FileManager.default.fileExists(atPath: cand.path) { return cand }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/work/shared/spec/amqp-rabbitmq-0.9.1.json")
    }

    static let methods: [SpecMethod] = {
        let data = try! Data(contentsOf: url())
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        var domains: [String: String] = [:]
        for d in root["domains"] as! [[String]] { domains[d[0]] = d[1] }
        let base: Set<String> = [
            "octet", "short", "long", "longlong", "bit", "shortstr", "longstr", "table", "timestamp",
        ]
        func resolve(_ t: String) -> String {
            var t = t
            while !base.contains(t) { t = domains[t]! }
            return t
        }
        var out: [SpecMethod] = []
        for c in root["classes"] as! [[String: Any]] {
            for m in c["methods"] as! [[String: Any]] {
                let args = (m["arguments"] as! [[String: Any]]).map { a in
                    SpecArg(name: a["name"] as! String, type: resolve((a["type"] ?? a["domain"]) as! String))
                }
                out.append(
                    SpecMethod(
                        className: c["name"] as! String, classID: UInt16(c["id"] as! Int), name: m["name"] as! String,
                        methodID: UInt16(m["id"] as! Int), args: args))
            }
        }
        return out
    }()

    static func camel(_ s: String, upper: Bool) -> String {
        let parts = s.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let j = parts.joined()
        return upper ? j : j.prefix(1).lowercased() + j.dropFirst()
    }
}

/// Distinct sample values per argument index, encoded independently of the generated code.
enum Sample {
    static func value(_ type: String, _ i: Int) -> Any {
        switch type {
        case "octet": return UInt8(0x10 + i)
        case "short": return UInt16(0x0100 + i)
        case "long": return UInt32(0x0001_0000 + UInt32(i))
        case "longlong", "timestamp": return UInt64(0x1_0000_0000) + UInt64(i)
        case "bit": return i % 2 == 0
        case "shortstr": return Bytes("s\(i)".utf8)
        case "longstr": return Bytes("long-\(i)".utf8)
        case "table": return FieldTable([FieldEntry(Bytes("k\(i)".utf8), .int32(Int32(i)))])
        default: fatalError(type)
        }
    }

    static func encode(_ m: SpecMethod) -> Bytes {
        var out: Bytes = []
        out.appendU16(m.classID)
        out.appendU16(m.methodID)
        var bits: UInt8 = 0
        var nbits = 0
        func flush() {
            if nbits > 0 { out.append(bits) }
            bits = 0
            nbits = 0
        }
        for (i, a) in m.args.enumerated() {
            let v = value(a.type, i)
            if a.type == "bit" {
                if nbits == 8 { flush() }
                if v as! Bool { bits |= 1 << nbits }
                nbits += 1
                continue
            }
            flush()
            switch a.type {
            case "octet": out.append(v as! UInt8)
            case "short": out.appendU16(v as! UInt16)
            case "long": out.appendU32(v as! UInt32)
            case "longlong", "timestamp": out.appendU64(v as! UInt64)
            case "shortstr":
                let b = v as! Bytes
                out.append(UInt8(b.count))
                out += b
            case "longstr":
                let b = v as! Bytes
                out.appendU32(UInt32(b.count))
                out += b
            case "table":
                let key = Bytes("k\(i)".utf8)
                out.appendU32(UInt32(1 + key.count + 1 + 4))
                out.append(UInt8(key.count))
                out += key
                out.append(UInt8(ascii: "I"))
                out.appendU32(UInt32(i))
            default: fatalError()
            }
        }
        flush()
        return out
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let x as UInt8, let y as UInt8): return x == y
        case (let x as UInt16, let y as UInt16): return x == y
        case (let x as UInt32, let y as UInt32): return x == y
        case (let x as UInt64, let y as UInt64): return x == y
        case (let x as Bool, let y as Bool): return x == y
        case (let x as Bytes, let y as Bytes): return x == y
        case (let x as FieldTable, let y as FieldTable): return x == y
        default: return false
        }
    }
}

func decodeMethod(_ b: Bytes) throws(AMQPDecodeError) -> AMQPMethod {
    var result: Result<AMQPMethod, AMQPDecodeError> = .failure(.truncated)
    b.withUnsafeBytes { p in
        do throws(AMQPDecodeError) { result = .success(try AMQPMethod.decode(p)) } catch { result = .failure(error) }
    }
    return try result.get()
}

@Suite("AMQP method codecs (generated) against the spec JSON") struct MethodCodecTests {
    @Test("the spec has every method the generator saw") func methodCount() { #expect(Spec.methods.count == 66) }

    @Test("method ids, field names, order and values round-trip", arguments: Spec.methods) func roundTrip(
        _ m: SpecMethod
    ) throws {
        let wire = Sample.encode(m)
        let decoded = try decodeMethod(wire)
        #expect(decoded.classID == m.classID)
        #expect(decoded.methodID == m.methodID)
        #expect(decoded.name == "\(m.className).\(m.name)")

        let caseMirror = Mirror(reflecting: decoded)
        let child = try #require(caseMirror.children.first)
        #expect(child.label == Spec.camel(m.className, upper: false) + Spec.camel(m.name, upper: true))
        let fields = Array(Mirror(reflecting: child.value).children)
        #expect(fields.map { $0.label } == m.args.map { Spec.camel($0.name, upper: false) })
        for (i, (f, a)) in zip(fields, m.args).enumerated() {
            #expect(Sample.equal(f.value, Sample.value(a.type, i)), "field \(a.name)")
        }

        var again: Bytes = []
        decoded.encode(into: &again)
        #expect(again == wire)
    }

    @Test("truncated method payloads are syntax errors, never crashes", arguments: Spec.methods) func truncated(
        _ m: SpecMethod
    ) {
        let wire = Sample.encode(m)
        for n in 0..<wire.count {
            if (try? decodeMethod(Array(wire[0..<n]))) != nil { Issue.record("prefix \(n) of \(m) decoded") }
        }
    }

    @Test("trailing bytes after the arguments are rejected") func trailing() {
        var wire: Bytes = []
        AMQPMethod.basicAck(.init(deliveryTag: 5, multiple: true)).encode(into: &wire)
        wire.append(0)
        #expect(throws: AMQPDecodeError.truncated) { try decodeMethod(wire) }
    }

    @Test("unknown class/method is reported with its ids") func unknown() {
        #expect(throws: AMQPDecodeError.unknownMethod(classID: 99, methodID: 1)) { try decodeMethod([0, 99, 0, 1]) }
    }

    @Test("consecutive bits share one octet, LSB first") func bitPacking() throws {
        // queue.declare: passive, durable, exclusive, auto-delete, nowait are five bits in one octet.
        var out: Bytes = []
        AMQPMethod.queueDeclare(.init(queue: Bytes("q".utf8), durable: true, nowait: true)).encode(into: &out)
        #expect(out == [0, 50, 0, 10, 0, 0, 1, 0x71, 0b0001_0010, 0, 0, 0, 0])
    }

    @Test("content-bearing methods are flagged") func content() {
        #expect(AMQPMethod.basicPublish(.init()).hasContent)
        #expect(AMQPMethod.basicDeliver(.init()).hasContent)
        #expect(AMQPMethod.basicGetOk(.init()).hasContent)
        #expect(AMQPMethod.basicReturn(.init()).hasContent)
        #expect(!AMQPMethod.basicGet(.init()).hasContent)
    }
}
