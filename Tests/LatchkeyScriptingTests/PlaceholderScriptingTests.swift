import Testing
@testable import LatchkeyScripting

@Suite("LatchkeyScripting placeholder") struct PlaceholderScriptingTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
