import Testing
@testable import LatchkeyAMQP

@Suite("LatchkeyAMQP placeholder") struct PlaceholderAMQPTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
