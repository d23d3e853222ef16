// Typed configuration keys: every ConfigKey names exactly one ConfigTable row and every row has
// its key, so the typed accessors always find a directive and a value.
import Testing

@testable import LatchkeyCore

@Suite("ConfigKey") struct ConfigKeyTests {
    @Test("every key has one directive in ConfigTable, and every directive has its key") func oneToOne() {
        let names = ConfigTable.directives.map(\.name)
        #expect(Set(names).count == names.count, "a directive is listed twice")
        #expect(Set(ConfigTable.directives.map(\.key)) == Set(ConfigKey.allCases))
        for key in ConfigKey.allCases {
            #expect(ConfigTable.byKey[key]?.name == key.rawValue, "\(key)")
            #expect(ConfigTable.directive(named: key.rawValue.uppercased())?.key == key, "\(key)")
            #expect(Config().values[key.rawValue] != nil, "\(key) has no default value")
        }
    }

    @Test("the typed accessors read what set stored") func accessors() {
        let c = Config()
        #expect(c.int(.port) == 6379)
        #expect(c.string(.requirepass) == "")
        #expect(c.bool(.appendonly) == false)
        #expect(c.set("proto-max-bulk-len", "2mb") == nil)
        #expect(c.int(.protoMaxBulkLen) == 2 << 20)
        #expect(c.set("amqp-port", "off") == nil)
        #expect(c.int(.amqpPort) == -1)
        #expect(c.set("appendonly", "YES") == nil)
        #expect(c.bool(.appendonly))
    }
}
