#!/usr/bin/env bash
# Builds and runs the AMQP frame decoder fuzzer (libFuzzer + ASan). The LatchkeyCore and
# LatchkeyAMQP sources are compiled with the harness into one module, so the `import LatchkeyCore`
# lines are stripped from temporary copies. Usage: Tests/Fuzz/run_amqp.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" .build/fuzz/amqp-corpus
for f in Sources/LatchkeyCore/*.swift Sources/LatchkeyAMQP/*.swift Sources/LatchkeyAMQP/Generated/*.swift; do
    sed '/^import LatchkeyCore$/d' "$f" > "$work/src/$(basename "$f")"
done
cp Tests/Fuzz/FrameDecoderFuzz.swift "$work/src/"
# Seed corpus: a heartbeat, a basic.ack method frame, a content header with flags set.
printf '\x00\x08\x00\x00\x00\x00\x00\x00\xce' > .build/fuzz/amqp-corpus/heartbeat
printf '\x00\x01\x00\x01\x00\x00\x00\x0d\x00\x3c\x00\x50\x00\x00\x00\x00\x00\x00\x00\x09\x01\xce' > .build/fuzz/amqp-corpus/ack
printf '\x00\x02\x00\x01\x00\x00\x00\x11\x00\x3c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x30\x00\x01\x02\xce' \
    > .build/fuzz/amqp-corpus/header
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name AMQPFuzz \
    "$work"/src/*.swift -o .build/fuzz/amqp-frame-fuzz
.build/fuzz/amqp-frame-fuzz -max_total_time="$secs" -max_len=16384 .build/fuzz/amqp-corpus
