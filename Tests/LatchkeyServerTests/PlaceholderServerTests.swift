import Testing
@testable import LatchkeyServer

@Suite("LatchkeyServer placeholder") struct PlaceholderServerTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
