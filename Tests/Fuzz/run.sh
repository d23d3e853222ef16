#!/bin/sh
# Builds the RESP decoder fuzz target with libFuzzer + AddressSanitizer straight from the module
# sources (SwiftPM is not involved) and runs it for FUZZ_SECONDS (default 60) on a seed corpus.
# Usage: Tests/Fuzz/run.sh [extra libFuzzer flags]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="$here/bin"
mkdir -p "$bin" "$bin/corpus"
flags="-O -sanitize=fuzzer,address -parse-as-library -enable-testing"
swiftc $flags -module-name LatchkeyCore -emit-module -emit-module-path "$bin/LatchkeyCore.swiftmodule" \
    -emit-object -wmo -o "$bin/LatchkeyCore.o" "$root"/Sources/LatchkeyCore/*.swift
swiftc $flags -module-name LatchkeyRESP -I "$bin" -emit-module -emit-module-path "$bin/LatchkeyRESP.swiftmodule" \
    -emit-object -wmo -o "$bin/LatchkeyRESP.o" "$root"/Sources/LatchkeyRESP/*.swift
# The reply parser is test-only (Tests/LatchkeyTestSupport); the fuzzer compiles it in.
swiftc $flags -module-name RESPDecoderFuzz -I "$bin" "$here/RESPDecoderFuzz.swift" \
    "$root"/Tests/LatchkeyTestSupport/RESPReplyParser.swift "$root"/Tests/LatchkeyTestSupport/RESPValue.swift \
    "$bin/LatchkeyCore.o" "$bin/LatchkeyRESP.o" -o "$bin/resp-decoder-fuzz"
# Seeds: a few valid and invalid requests (first byte is the chunk-size selector).
printf '\003*3\r\n$3\r\nSET\r\n$4\r\nlock\r\n$1\r\nx\r\n' > "$bin/corpus/multibulk"
printf '\001SET k "a\\x41 b" '"'"'c'"'"'\r\nPING\n' > "$bin/corpus/inline"
printf '\002*1\r\n:5\r\n' > "$bin/corpus/bad"
printf '\005*0\r\n*-1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n' > "$bin/corpus/empty"
exec "$bin/resp-decoder-fuzz" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=512 "$@" "$bin/corpus"
