// Shorthands for expected replies in the command tests (`#expect(t.send("GET", "k") == NIL)`).
// The transcript driver itself is in LatchkeyTestSupport; these stay here so they do not clash
// with other targets' helpers of the same name (the scripting tests' `bulk` builds a ScriptReply).
import LatchkeyTestSupport

let OK = RESPValue.ok
let NIL = RESPValue.null
func int(_ n: Int64) -> RESPValue { .integer(n) }
func bulk(_ s: String) -> RESPValue { .bulk(s) }
func err(_ s: String) -> RESPValue { .err(s) }
