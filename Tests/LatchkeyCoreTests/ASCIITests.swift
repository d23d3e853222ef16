import LatchkeyCore
import Testing

@Suite("ASCII") struct ASCIITests {
    @Test(
        "parseInt64 accepts what Redis's string2ll accepts",
        arguments: [
            ("0", Int64(0)), ("-1", -1), ("30000", 30000), ("9223372036854775807", Int64.max),
            ("-9223372036854775808", Int64.min),
        ]) func parses(text: String, value: Int64)
    { #expect(ASCII.parseInt64(Bytes(utf8: text)) == value) }

    @Test(
        "parseInt64 rejects what Redis rejects",
        arguments: ["", "-", "01", "-0", "+1", " 1", "1.5", "9223372036854775808", "abc"]) func rejects(text: String)
    { #expect(ASCII.parseInt64(Bytes(utf8: text)) == nil) }

    @Test("appendDecimal round-trips", arguments: [Int64(0), 7, 10, -5, 123456789, Int64.max, Int64.min]) func decimal(
        v: Int64
    ) { #expect(ASCII.decimal(v).string == String(v)) }
}
