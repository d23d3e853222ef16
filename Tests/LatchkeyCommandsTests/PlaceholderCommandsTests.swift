import Testing
@testable import LatchkeyCommands

@Suite("LatchkeyCommands placeholder") struct PlaceholderCommandsTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
