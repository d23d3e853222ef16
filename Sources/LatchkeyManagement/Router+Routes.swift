// The route table of /api: RabbitMQ's paths (3.10 management plugin) and the few Latchkey adds
// under /api/latchkey for the live page. One line per path shape; the handlers are in the
// Router+<Area>.swift files.

extension Router {
    func resolveAPI(_ s: [String]) -> (methods: [String], auth: Bool, handler: Handler)? {
        func get(_ h: @escaping Handler) -> (methods: [String], auth: Bool, handler: Handler) { (["GET"], true, h) }
        switch s.count {
        case 1:
            switch s[0] {
            case "overview": return get { r, _ in r.overview() }
            case "whoami": return get { r, _ in r.whoami() }
            case "vhosts": return get { r, _ in r.vhosts(nil) }
            case "queues": return get { r, _ in r.queues(vhost: nil) }
            case "exchanges": return get { r, _ in r.exchanges(vhost: nil) }
            case "bindings": return get { r, _ in r.bindings(vhost: nil) }
            case "connections": return get { r, _ in r.connections() }
            case "channels": return get { r, _ in r.channels() }
            case "consumers": return get { r, _ in r.consumers(vhost: nil) }
            case "nodes": return get { r, _ in r.nodes() }
            case "users": return get { r, _ in r.users() }
            case "definitions":
                return (["GET", "POST"], true, { r, m in m == "GET" ? r.exportDefinitions() : r.importDefinitions() })
            default: return nil
            }
        case 2:
            let (a, b) = (s[0], s[1])
            switch a {
            case "vhosts": return get { r, _ in r.vhosts(b) }
            case "queues": return get { r, _ in r.queues(vhost: b) }
            case "exchanges": return get { r, _ in r.exchanges(vhost: b) }
            case "bindings": return get { r, _ in r.bindings(vhost: b) }
            case "consumers": return get { r, _ in r.consumers(vhost: b) }
            case "aliveness-test": return get { r, _ in r.aliveness(b) }
            case "connections":
                return (["GET", "DELETE"], true, { r, m in m == "GET" ? r.connection(b) : r.closeConnection(b) })
            case "latchkey":
                switch b {
                case "state": return get { r, _ in r.latchkeyState() }
                case "locks": return get { r, _ in r.locks() }
                default: return nil
                }
            default: return nil
            }
        case 3:
            let (a, v, n) = (s[0], s[1], s[2])
            if a == "queues" {
                return (
                    ["GET", "PUT", "DELETE"], true,
                    { r, m in m == "GET" ? r.queue(v, n) : m == "PUT" ? r.declareQueue(v, n) : r.deleteQueue(v, n) }
                )
            }
            if a == "exchanges" {
                return (
                    ["GET", "PUT", "DELETE"], true,
                    { r, m in
                        m == "GET" ? r.exchange(v, n) : m == "PUT" ? r.declareExchange(v, n) : r.deleteExchange(v, n)
                    }
                )
            }
            if s == ["health", "checks", "alarms"] || s == ["health", "checks", "local-alarms"] {
                return get { r, _ in r.alarms() }
            }
            if a == "connections" && n == "channels" { return get { r, _ in r.channels(ofConnection: v) } }
            return nil
        case 4:
            let (a, v, n, op) = (s[0], s[1], s[2], s[3])
            if a == "queues" {
                switch op {
                case "contents": return (["DELETE"], true, { r, _ in r.purgeQueue(v, n) })
                case "get": return (["POST"], true, { r, _ in r.getMessages(v, n) })
                case "bindings": return get { r, _ in r.queueBindings(v, n) }
                default: return nil
                }
            }
            if a == "exchanges" && op == "publish" { return (["POST"], true, { r, _ in r.publish(v, n) }) }
            return nil
        case 5:
            if s[0] == "exchanges" && s[3] == "bindings" && (s[4] == "source" || s[4] == "destination") {
                let (v, n, asSource) = (s[1], s[2], s[4] == "source")
                return get { r, _ in r.exchangeBindings(v, n, asSource: asSource) }
            }
            if s[0] == "bindings" && s[2] == "e" && (s[4] == "q" || s[4] == "e") { return nil }
            return nil
        case 6:
            if s[0] == "bindings" && s[2] == "e" && (s[4] == "q" || s[4] == "e") {
                let (v, src, toQueue, dst) = (s[1], s[3], s[4] == "q", s[5])
                return (
                    ["GET", "POST"], true,
                    { r, m in
                        m == "GET"
                            ? r.bindingsBetween(v, src, dst, toQueue: toQueue) : r.bind(v, src, dst, toQueue: toQueue)
                    }
                )
            }
            return nil
        case 7:
            if s[0] == "bindings" && s[2] == "e" && (s[4] == "q" || s[4] == "e") {
                let (v, src, toQueue, dst, props) = (s[1], s[3], s[4] == "q", s[5], s[6])
                return (
                    ["GET", "DELETE"], true,
                    { r, m in
                        m == "GET"
                            ? r.binding(v, src, dst, toQueue: toQueue, propertiesKey: props)
                            : r.unbind(v, src, dst, toQueue: toQueue, propertiesKey: props)
                    }
                )
            }
            return nil
        default: return nil
        }
    }
}
