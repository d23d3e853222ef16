import Testing
@testable import LatchkeyKeyspace

@Suite("LatchkeyKeyspace placeholder") struct PlaceholderKeyspaceTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
