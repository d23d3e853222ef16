// Checked numbers in configuration values (issue 15/16): sizes whose digits or unit overflow Int64
// are out of range (Redis's answer), never a trap; ranges follow Redis; and the constant-time
// password comparison answers exactly like ==.
import Testing

@testable import LatchkeyCore

@Suite("Checked config values") struct CheckedConfigTests {
    @Test(
        "sizes that overflow Int64 are out of range, not a trap",
        arguments: [
            "9999999999999999gb", "99999999999999999999", "18446744073709551616", "17179869184gb",
            "9223372036854775807kb", "9223372036854775808",
        ]) func overflow(_ raw: String)
    {
        let c = Config()
        #expect(
            c.set("proto-max-bulk-len", raw) == "argument must be between 1048576 and 9223372036854775807 inclusive")
        #expect(c.set("lua-memory-limit", raw) == "argument must be between 0 and 9223372036854775807 inclusive")
        #expect(Config.parseMemory(raw) == nil)
        #expect(c.int(.protoMaxBulkLen) == 512 << 20)
    }

    @Test("not a memory value", arguments: ["", "-5", "1.5mb", "abc", "mb", "+5", " 5", "5 mb", "5tb"]) func notMemory(
        _ raw: String
    ) { #expect(Config().set("proto-max-bulk-len", raw) == "argument must be a memory value") }

    @Test("units and bounds") func units() {
        let c = Config()
        #expect(c.set("proto-max-bulk-len", "9223372036854775807") == nil)
        #expect(c.int(.protoMaxBulkLen) == Int64.max)
        #expect(c.set("proto-max-bulk-len", "1MB") == nil)
        #expect(c.int(.protoMaxBulkLen) == 1 << 20)
        #expect(c.set("proto-max-bulk-len", "1048575") != nil)
        #expect(c.set("proto-max-inline-len", "0") == "argument must be between 1024 and 9223372036854775807 inclusive")
        #expect(
            c.set("proto-max-inline-len", "1k") == "argument must be between 1024 and 9223372036854775807 inclusive")
        #expect(c.set("proto-max-inline-len", "1kb") == nil)
        #expect(c.set("aof-max-record-size", "2gb") == "argument must be between 1048576 and 1073741824 inclusive")
        #expect(c.set("aof-max-record-size", "1gb") == nil)
        #expect(c.set("amqp-max-message-size", "600mb") == "argument must be between 0 and 536870912 inclusive")
        #expect(Config.parseMemory("8589934591gb") == 8_589_934_591 << 30)
        #expect(Config.parseMemory("8589934592gb") == nil)
    }

    @Test("start-only directives are marked immutable") func startOnly() {
        for name in ["amqp-max-message-size", "amqp-queued-memory-limit", "appendfilename", "dir"] {
            #expect(ConfigTable.directive(named: name)?.mutable == false, "\(name)")
        }
    }

    @Test("constant-time comparison agrees with ==") func constantTime() {
        let secrets: [Bytes] = [[], Array("s3cret".utf8), Array("s3cret-and-more".utf8), [0, 255, 0]]
        let tries: [Bytes] = secrets + [Array("s3creT".utf8), Array("s3cre".utf8), Array("s3crets3cret".utf8), [0]]
        for s in secrets { for t in tries { #expect(ConstantTime.equals(t, s) == (t == s), "\(t) vs \(s)") } }
    }
}
