import Testing
@testable import LatchkeyLog

@Suite("LatchkeyLog placeholder") struct PlaceholderLogTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
