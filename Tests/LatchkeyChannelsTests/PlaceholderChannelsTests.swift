import Testing
@testable import LatchkeyChannels

@Suite("LatchkeyChannels placeholder") struct PlaceholderChannelsTests {
    @Test("module links") func links() { #expect(Bool(true)) }
}
