// The topic exchange's routing index: a trie over the dot-separated words of binding keys with
// dedicated `*` and `#` edges, so routing a message walks only the branches its words can
// match instead of testing every binding. Words are looked up as slices of the routing key
// (no allocation per word).
import LatchkeyCore

final class TopicNode {
    var children: [ArraySlice<UInt8>: TopicNode] = [:]
    var star: TopicNode?
    var hash: TopicNode?
    var destinations: [Destination] = []

    var isEmpty: Bool { children.isEmpty && star == nil && hash == nil && destinations.isEmpty }
}

/// Topic bindings as a word trie.
struct TopicIndex {
    let root = TopicNode()

    /// Splits a key into words; the empty key has no words (RabbitMQ), "a..b" has an empty word.
    static func words(_ key: Bytes) -> [ArraySlice<UInt8>] {
        if key.isEmpty { return [] }
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        for i in 0..<key.count where key[i] == 0x2E {
            out.append(key[start..<i])
            start = i + 1
        }
        out.append(key[start..<key.count])
        return out
    }

    private static let starWord: ArraySlice<UInt8> = [0x2A][...]
    private static let hashWord: ArraySlice<UInt8> = [0x23][...]

    func insert(_ key: Bytes, _ d: Destination) {
        var node = root
        for w in TopicIndex.words(key) {
            if w == TopicIndex.starWord {
                if node.star == nil { node.star = TopicNode() }
                node = node.star!
            } else if w == TopicIndex.hashWord {
                if node.hash == nil { node.hash = TopicNode() }
                node = node.hash!
            } else {
                let k = ArraySlice(Array(w))  // own the word: don't keep the whole key alive
                if let n = node.children[k] {
                    node = n
                } else {
                    let n = TopicNode()
                    node.children[k] = n
                    node = n
                }
            }
        }
        if !node.destinations.contains(where: { $0.same(d) }) { node.destinations.append(d) }
    }

    func remove(_ key: Bytes, _ d: Destination) {
        let words = TopicIndex.words(key)
        var path: [(TopicNode, ArraySlice<UInt8>)] = []
        var node = root
        for w in words {
            let next: TopicNode?
            if w == TopicIndex.starWord {
                next = node.star
            } else if w == TopicIndex.hashWord {
                next = node.hash
            } else {
                next = node.children[w]
            }
            guard let n = next else { return }
            path.append((node, w))
            node = n
        }
        node.destinations.removeAll { $0.same(d) }
        // Prune empty branches bottom-up.
        var child = node
        for (parent, w) in path.reversed() {
            guard child.isEmpty else { break }
            if w == TopicIndex.starWord {
                parent.star = nil
            } else if w == TopicIndex.hashWord {
                parent.hash = nil
            } else {
                parent.children[w] = nil
            }
            child = parent
        }
    }

    func match(_ key: Bytes, _ body: (Destination) -> Void) {
        let words = TopicIndex.words(key)
        TopicIndex.walk(root, words, 0, body)
    }

    private static func walk(_ node: TopicNode, _ words: [ArraySlice<UInt8>], _ i: Int, _ body: (Destination) -> Void) {
        if i == words.count {
            for d in node.destinations { body(d) }
            if let h = node.hash { walk(h, words, i, body) }  // '#' matches zero words
            return
        }
        if let c = node.children[words[i]] { walk(c, words, i + 1, body) }
        if let s = node.star { walk(s, words, i + 1, body) }
        if let h = node.hash {
            // '#' absorbs zero or more words.
            for j in i...words.count { walk(h, words, j, body) }
        }
    }
}
