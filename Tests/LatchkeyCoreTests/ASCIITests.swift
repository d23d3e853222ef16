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

@Suite("ASCII short numbers") struct ASCIIShortNumberTests {
    @Test("the short-number path of parseInt64 agrees with string2ll's full rules on every short string")
    func quickLengthAgrees() {
        // Every string of up to 4 characters over digits, signs, a space and a letter, and the
        // edges around 9 and 10 digits (where the quick path hands over) and Int64's limits.
        let alphabet = Array("0123456789-+ a".utf8)
        var cases: [[UInt8]] = [[]]
        var layer: [[UInt8]] = [[]]
        for _ in 1...4 {
            layer = layer.flatMap { s in alphabet.map { s + [$0] } }
            cases += layer
        }
        for text in [
            "999999999", "1000000000", "0999999999", "123456789", "1234567890", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "00", "-0", "+1", "12345678a",
        ] {
            cases.append(Array(text.utf8))
        }
        for s in cases {
            s.withUnsafeBufferPointer { b in
                let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
                #expect(ASCII.parseInt64(p, b.count) == ASCII.parseInt64General(p, b.count), "\(s)")
            }
        }
    }
}
