import LatchkeyCore
import Testing

/// Expected digests come from the `xxhash` PyPI package (xxh3_64, seed 0) over bytes i % 251.
@Suite("XXH3") struct XXH3Tests {
    @Test("DIGEST test vector: Hello world") func helloWorld() {
        #expect(XXH3.hex(XXH3.hash64(Bytes(utf8: "Hello world"))).string == "b6acb9d84a38ff74")
    }

    @Test(
        "every length class matches the reference",
        arguments: [
            (0, "2d06800538d394c2"), (1, "c44bdff4074eecdb"), (2, "d6645fc3051a9457"), (3, "5f4299fc161c9cbb"),
            (4, "60dab036a58211f2"), (5, "b075753a84ca0fbe"), (8, "3a1c2d7c85af88f8"), (9, "e9612598145bb9dc"),
            (12, "5ace6a511c10894b"), (16, "8355e3a6f61770db"), (17, "9ef341a99de37328"), (31, "4f36db8e4df378fd"),
            (32, "3523581fe96e4c05"), (33, "e68c56ba88991e58"), (64, "6187eb9089b0ed55"), (65, "6928c76ce90422d0"),
            (96, "278a3e12ea046dfb"), (97, "e7220282dc4e14f4"), (127, "120b9787f8425f2f"), (128, "85c6174c7ff4c46b"),
            (129, "ec7642b431ba3e5a"), (130, "4d3224b100908a87"), (200, "f42a8864feaf0703"), (239, "972b14e3c46f214b"),
            (240, "375a384d957fe865"), (241, "02e8cd95421c6d02"), (256, "44f5d90dacde463a"), (1023, "d3d91d80ac495685"),
            (1024, "e5d78bafa45b2aa5"), (1025, "e95c42288f28186e"), (2048, "25339063db861586"),
            (2049, "6c9600c0e506e2ae"), (5000, "b418500fc42320ee"),
        ]) func lengths(n: Int, expected: String)
    {
        let input = (0..<n).map { UInt8($0 % 251) }
        #expect(XXH3.hex(XXH3.hash64(input)).string == expected)
    }
}
