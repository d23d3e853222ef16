import Testing
@testable import LatchkeyRESP

@Suite("LatchkeyRESP placeholder") struct PlaceholderRESPTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
