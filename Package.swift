// swift-tools-version:6.0
// Latchkey: one libuv event loop serving RESP (Redis) and AMQP 0-9-1 (RabbitMQ) clients.
// Module graph (arrows are imports): codecs know bytes, sessions know codecs and models,
// models know neither frames nor sockets, and LatchkeyServer wires them to the loop.
import PackageDescription

// Exclusivity checks cost the hot paths dearly (callgrind: 4,449 → 10,772 instructions per
// SET NX PX + GET pair without `-enforce-exclusivity=unchecked`; 5,398 now that the hot class
// properties are `@exclusivity(unchecked)`; docs/benchmarks.md), but `unsafeFlags` make a
// package unusable as a SwiftPM dependency. So the flag is opt-in: this
// repository's own release builds (`make build`, `make dist`, `make wheel`, `make bench`) set
// LATCHKEY_UNCHECKED_EXCLUSIVITY=1; a package that depends on Latchkey gets no unsafe flags
// and the checked (correct, slower) build. The flag changes no semantics of correct code.
let uncheckedExclusivity = Context.environment["LATCHKEY_UNCHECKED_EXCLUSIVITY"] == "1"
let optimised: [SwiftSetting] = uncheckedExclusivity ? [.unsafeFlags(["-enforce-exclusivity=unchecked"])] : []

let package = Package(
    name: "Latchkey",
    products: [
        .executable(name: "latchkey", targets: ["latchkey"]),
        .library(name: "LatchkeyServer", targets: ["LatchkeyServer"]),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CLua51", pkgConfig: "lua5.1", providers: [.apt(["liblua5.1-0-dev"])]),

        .target(name: "LatchkeyCore", swiftSettings: optimised),
        .target(name: "LatchkeyLoop", dependencies: ["LatchkeyCore", "CLibUV"], swiftSettings: optimised),
        .target(name: "LatchkeyRESP", dependencies: ["LatchkeyCore"], swiftSettings: optimised),
        .target(name: "LatchkeyKeyspace", dependencies: ["LatchkeyCore"], swiftSettings: optimised),
        .target(name: "LatchkeyLog", dependencies: ["LatchkeyCore"], swiftSettings: optimised),
        .target(name: "LatchkeyScripting", dependencies: ["LatchkeyCore", "CLua51"], swiftSettings: optimised),
        .target(
            name: "LatchkeyCommands",
            dependencies: ["LatchkeyCore", "LatchkeyRESP", "LatchkeyKeyspace", "LatchkeyScripting", "LatchkeyLog"],
            swiftSettings: optimised),
        .target(name: "LatchkeyAMQP", dependencies: ["LatchkeyCore"], swiftSettings: optimised),
        .target(name: "LatchkeyBroker", dependencies: ["LatchkeyCore"], swiftSettings: optimised),
        .target(
            name: "LatchkeyChannels", dependencies: ["LatchkeyCore", "LatchkeyAMQP", "LatchkeyBroker", "LatchkeyLog"],
            swiftSettings: optimised),
        // Management: an HTTP/1.1 codec (bytes ⇄ requests, JSON) and the endpoints that read the
        // broker, the keyspace and the connection registry when asked (never on the hot path).
        .target(name: "LatchkeyHTTP", dependencies: ["LatchkeyCore"]),
        .target(
            name: "LatchkeyManagement",
            dependencies: [
                "LatchkeyCore", "LatchkeyHTTP", "LatchkeyBroker", "LatchkeyAMQP", "LatchkeyChannels",
                "LatchkeyKeyspace",
            ]),
        .target(
            name: "LatchkeyServer",
            dependencies: [
                "LatchkeyCore", "LatchkeyLoop", "LatchkeyCommands", "LatchkeyChannels", "LatchkeyLog",
                "LatchkeyKeyspace", "LatchkeyBroker", "LatchkeyManagement", "LatchkeyHTTP",
            ], swiftSettings: optimised),
        .executableTarget(name: "latchkey", dependencies: ["LatchkeyServer"], swiftSettings: optimised),

        // Test-only helpers (reply parser, manual clock, transcript driver, temp dirs): never linked
        // into the server.
        .target(
            name: "LatchkeyTestSupport",
            dependencies: ["LatchkeyCore", "LatchkeyRESP", "LatchkeyLog", "LatchkeyCommands"],
            path: "Tests/LatchkeyTestSupport"),
        .testTarget(name: "LatchkeyCoreTests", dependencies: ["LatchkeyCore", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyLoopTests", dependencies: ["LatchkeyLoop", "LatchkeyCore", "CLibUV"]),
        .testTarget(name: "LatchkeyRESPTests", dependencies: ["LatchkeyRESP", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyKeyspaceTests", dependencies: ["LatchkeyKeyspace", "LatchkeyTestSupport"]),
        .testTarget(
            name: "LatchkeyCommandsTests",
            dependencies: ["LatchkeyCommands", "LatchkeyRESP", "LatchkeyKeyspace", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyScriptingTests", dependencies: ["LatchkeyScripting", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyAMQPTests", dependencies: ["LatchkeyAMQP", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyBrokerTests", dependencies: ["LatchkeyBroker", "LatchkeyTestSupport"]),
        .testTarget(
            name: "LatchkeyChannelsTests",
            dependencies: ["LatchkeyChannels", "LatchkeyAMQP", "LatchkeyBroker", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyLogTests", dependencies: ["LatchkeyLog", "LatchkeyTestSupport"]),
        .testTarget(name: "LatchkeyHTTPTests", dependencies: ["LatchkeyHTTP", "LatchkeyTestSupport"]),
        .testTarget(
            name: "LatchkeyManagementTests",
            dependencies: [
                "LatchkeyManagement", "LatchkeyHTTP", "LatchkeyChannels", "LatchkeyKeyspace", "LatchkeyLog",
                "LatchkeyTestSupport",
            ]),
        .testTarget(name: "LatchkeyServerTests", dependencies: ["LatchkeyServer", "LatchkeyTestSupport"]),
    ])
