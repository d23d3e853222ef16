#!/usr/bin/env bash
# Builds and runs the HTTP codec fuzzer (request parser, JSON, base64) with libFuzzer + ASan.
# LatchkeyCore and LatchkeyHTTP are compiled with the harness into one module, so their
# `import LatchkeyCore` lines are stripped from temporary copies.
# Usage: Tests/Fuzz/run_http.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" .build/fuzz/http-corpus
for f in Sources/LatchkeyCore/*.swift Sources/LatchkeyHTTP/*.swift; do
    sed '/^import LatchkeyCore$/d' "$f" > "$work/src/$(basename "$f")"
done
cp Tests/Fuzz/HTTPParserFuzz.swift "$work/src/"
# Seeds (the first byte picks the chunk size): a GET, a POST with a JSON body, pipelining, JSON.
printf '\003GET /api/queues/%%2F/q HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\r\n' \
    > .build/fuzz/http-corpus/get
printf '\005POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{"count":1}\n' > .build/fuzz/http-corpus/post
printf '\001GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n' > .build/fuzz/http-corpus/pipe
printf '\002{"a":[1,2.5e3,"\\u00e9\\ud83d\\ude00",null,true],"b":{}}' > .build/fuzz/http-corpus/json
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name HTTPFuzz \
    "$work"/src/*.swift -o .build/fuzz/http-parser-fuzz
.build/fuzz/http-parser-fuzz -max_total_time="$secs" -max_len=4096 .build/fuzz/http-corpus
