#!/usr/bin/env bash
# Builds and runs the HTTP codec fuzzer (request parser, JSON, base64) with libFuzzer + ASan from
# the LatchkeyCore and LatchkeyHTTP sources. Usage: Tests/Fuzz/run_http.sh [seconds] (default 60).
source "$(dirname "$0")/fuzz_common.sh"
# Seeds (the first byte picks the chunk size): a GET, a POST with a JSON body, pipelining, JSON.
printf '\003GET /api/queues/%%2F/q HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n\r\n' \
    > "$fuzz_corpus"/get
printf '\005POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{"count":1}\n' > "$fuzz_corpus"/post
printf '\001GET / HTTP/1.0\r\n\r\nGET / HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n' > "$fuzz_corpus"/pipe
printf '\002{"a":[1,2.5e3,"\\u00e9\\ud83d\\ude00",null,true],"b":{}}' > "$fuzz_corpus"/json
fuzz_build Sources/LatchkeyCore/*.swift Sources/LatchkeyHTTP/*.swift Tests/Fuzz/HTTPParserFuzz.swift
fuzz_run 4096
