#!/usr/bin/env bash
# Builds and runs the RESP request decoder fuzzer (and the test-only reply parser) with libFuzzer
# + ASan. LatchkeyCore, LatchkeyRESP and the parser from Tests/LatchkeyTestSupport are compiled
# with the harness into one module, so their `import LatchkeyCore`/`import LatchkeyRESP` lines
# are stripped from temporary copies. Usage: Tests/Fuzz/run_resp.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" .build/fuzz/resp-corpus
for f in Sources/LatchkeyCore/*.swift Sources/LatchkeyRESP/*.swift \
    Tests/LatchkeyTestSupport/RESPReplyParser.swift Tests/LatchkeyTestSupport/RESPValue.swift \
    Tests/Fuzz/RESPDecoderFuzz.swift; do
    sed -e '/^import LatchkeyCore$/d' -e '/^import LatchkeyRESP$/d' "$f" > "$work/src/$(basename "$f")"
done
# Seeds: a few valid and invalid requests (the first byte is the chunk-size selector).
printf '\003*3\r\n$3\r\nSET\r\n$4\r\nlock\r\n$1\r\nx\r\n' > .build/fuzz/resp-corpus/multibulk
printf '\001SET k "a\\x41 b" '"'"'c'"'"'\r\nPING\n' > .build/fuzz/resp-corpus/inline
printf '\002*1\r\n:5\r\n' > .build/fuzz/resp-corpus/bad
printf '\005*0\r\n*-1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n' > .build/fuzz/resp-corpus/empty
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name RESPFuzz \
    "$work"/src/*.swift -o .build/fuzz/resp-decoder-fuzz
.build/fuzz/resp-decoder-fuzz -max_total_time="$secs" -max_len=512 .build/fuzz/resp-corpus
