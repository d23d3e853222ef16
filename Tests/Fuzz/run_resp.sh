#!/usr/bin/env bash
# Builds and runs the RESP request decoder fuzzer (and the test-only reply parser) with libFuzzer
# + ASan from the LatchkeyCore and LatchkeyRESP sources and the parser in Tests/LatchkeyTestSupport.
# Usage: Tests/Fuzz/run_resp.sh [seconds] (default 60; see fuzz_common.sh).
source "$(dirname "$0")/fuzz_common.sh"
# Seeds: a few valid and invalid requests (the first byte is the chunk-size selector).
printf '\003*3\r\n$3\r\nSET\r\n$4\r\nlock\r\n$1\r\nx\r\n' > "$fuzz_corpus"/multibulk
printf '\001SET k "a\\x41 b" '"'"'c'"'"'\r\nPING\n' > "$fuzz_corpus"/inline
printf '\002*1\r\n:5\r\n' > "$fuzz_corpus"/bad
printf '\005*0\r\n*-1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n' > "$fuzz_corpus"/empty
fuzz_build Sources/LatchkeyCore/*.swift Sources/LatchkeyRESP/*.swift \
    Tests/LatchkeyTestSupport/RESPReplyParser.swift Tests/LatchkeyTestSupport/RESPValue.swift \
    Tests/Fuzz/RESPDecoderFuzz.swift
fuzz_run 512
