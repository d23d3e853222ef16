// Message rates for the management API and the live page, computed the way RabbitMQ's "basic"
// rates mode does: counters are sampled every 5 s (from cron, never from the AMQP path) and a
// rate is the change between the last two samples divided by the time between them. Counters
// come from the queues themselves (enqueued and delivered totals), so sampling costs one walk
// over the queues and nothing per message.
import LatchkeyBroker
import LatchkeyCore

/// Per-second rates of one queue (or of all of them).
struct Rates {
    var publish = 0.0
    var deliver = 0.0
    var messages = 0.0
    var ready = 0.0
    var unacked = 0.0
}

struct RateSampler {
    /// Milliseconds between samples (RabbitMQ's default collect_statistics_interval).
    static let interval: Int64 = 5000

    struct Counts {
        var published: UInt64 = 0
        var delivered: UInt64 = 0
        var ready = 0
        var unacked = 0
    }

    struct Key: Hashable {
        let vhost: Bytes
        let queue: Bytes
    }

    private var lastMs: Int64 = 0
    private var samples: [Key: Counts] = [:]
    private var totals = Counts()
    private(set) var perQueue: [Key: Rates] = [:]
    private(set) var global = Rates()

    /// Takes a sample when the interval has passed since the previous one.
    mutating func sampleIfDue(now: Int64, broker: Broker) {
        if lastMs != 0 && now - lastMs < RateSampler.interval { return }
        let seconds = lastMs == 0 ? 0 : Double(now - lastMs) / 1000
        lastMs = now
        var fresh: [Key: Counts] = [:]
        var rates: [Key: Rates] = [:]
        var sum = Counts()
        for vhost in broker.vhosts.values {
            for q in vhost.queues.values {
                let key = Key(vhost: vhost.name, queue: q.name)
                let c = Counts(
                    published: q.enqueuedTotal, delivered: q.deliveredTotal, ready: q.messageCount,
                    unacked: q.unackedCount)
                fresh[key] = c
                sum.published &+= c.published
                sum.delivered &+= c.delivered
                sum.ready += c.ready
                sum.unacked += c.unacked
                if seconds > 0, let old = samples[key] { rates[key] = RateSampler.rates(old, c, seconds) }
            }
        }
        if seconds > 0 { global = RateSampler.rates(totals, sum, seconds) }
        samples = fresh
        totals = sum
        perQueue = rates
    }

    static func rates(_ a: Counts, _ b: Counts, _ seconds: Double) -> Rates {
        // Counters of deleted queues leave the sums: a negative change is not a rate.
        func up(_ x: UInt64, _ y: UInt64) -> Double { y >= x ? Double(y - x) / seconds : 0 }
        func change(_ x: Int, _ y: Int) -> Double { Double(y - x) / seconds }
        return Rates(
            publish: up(a.published, b.published), deliver: up(a.delivered, b.delivered),
            messages: change(a.ready + a.unacked, b.ready + b.unacked), ready: change(a.ready, b.ready),
            unacked: change(a.unacked, b.unacked))
    }

    /// The rates of one queue (zero until two samples exist).
    func rates(of q: Queue) -> Rates { perQueue[Key(vhost: q.vhost.name, queue: q.name)] ?? Rates() }
}
