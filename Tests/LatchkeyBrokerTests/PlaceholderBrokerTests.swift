import Testing
@testable import LatchkeyBroker

@Suite("LatchkeyBroker placeholder") struct PlaceholderBrokerTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
