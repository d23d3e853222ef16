// swift-tools-version:6.0
// An example package that depends on Latchkey the way any other package would (here by path;
// from elsewhere `.package(url: ..., from: "0.1.0")`) and tests its own code against an
// in-process Latchkey: `swift test --package-path examples/swift-embedding`.
import PackageDescription

let package = Package(
    name: "LeaseExample",
    dependencies: [.package(name: "Latchkey", path: "../..")],
    targets: [
        .target(name: "Lease"),
        .testTarget(
            name: "LeaseTests",
            dependencies: ["Lease", .product(name: "LatchkeyServer", package: "Latchkey")]),
    ]
)
