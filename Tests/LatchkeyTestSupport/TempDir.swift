// One temporary directory helper for every test target: a fresh mkdtemp directory under /tmp
// with a readable prefix, and a `remove()` that deletes its files first (tests create files
// directly inside it, never subdirectories).
import Glibc

/// A fresh directory under /tmp, removed by `remove()`.
public struct TempDir {
    public let path: String

    /// `prefix` names the test in the path (/tmp/<prefix>-XXXXXX), which helps when a failed run
    /// leaves the directory behind.
    public init(prefix: String = "latchkey-test") {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            preconditionFailure("mkdtemp failed: errno \(errno)")
        }
        path = String(cString: p)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { unlink(file(name)) }
            }
            closedir(d)
        }
        rmdir(path)
    }
}
