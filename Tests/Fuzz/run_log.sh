#!/usr/bin/env bash
# Builds and runs the log reader fuzzer (libFuzzer + ASan) on mutated logs: LatchkeyCore and
# LatchkeyLog are compiled with the harness into one module (their `import LatchkeyCore` lines
# stripped from temporary copies). Usage: Tests/Fuzz/run_log.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
work="$(mktemp -d)"
files="$(mktemp -d /dev/shm/latchkey-logfuzz-XXXXXX 2>/dev/null || mktemp -d)"
trap 'rm -rf "$work" "$files"' EXIT
mkdir -p "$work/src" .build/fuzz/log-corpus
for f in Sources/LatchkeyCore/*.swift Sources/LatchkeyLog/*.swift; do
    sed '/^import LatchkeyCore$/d' "$f" > "$work/src/$(basename "$f")"
done
cp Tests/Fuzz/LogReaderFuzz.swift "$work/src/"
# Seeds: first byte 2 = "valid log from the input, then edits"; 1 = header + raw; 0 = raw.
printf '\002lock:aXtoken-1Yqueue\005jobs\003abcdefghijklmnopqrstuvwxyz0123456789' > .build/fuzz/log-corpus/records
printf '\001\005\000\000\000\001\000\001k\001v' > .build/fuzz/log-corpus/frame
printf '\000\211LKLOG\r\n\001\000\000\000' > .build/fuzz/log-corpus/header
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name LogFuzz \
    "$work"/src/*.swift -o .build/fuzz/log-reader-fuzz
LOG_FUZZ_DIR="$files" .build/fuzz/log-reader-fuzz -max_total_time="$secs" -max_len=4096 .build/fuzz/log-corpus
