#!/usr/bin/env bash
# Builds and runs the configuration parser fuzzer (libFuzzer + ASan): LatchkeyCore plus the
# server's ConfigParser.swift and Usage.swift. Usage: Tests/Fuzz/run_config.sh [seconds] (default 60).
source "$(dirname "$0")/fuzz_common.sh"
cp conf/latchkey.conf "$fuzz_corpus"/latchkey.conf
printf 'port 6380\nproto-max-bulk-len 9999999999999999gb\n\000--hz 10 --bind "127.0.0.1 ::1"\000proto-max-inline-len 0 maxclients 99999999999999999999' \
    > "$fuzz_corpus"/extremes
printf 'requirepass "a\\x41\\n b"\nsave '"''"'\n\000--appendonly yes\000aof-max-record-size 1mb' > "$fuzz_corpus"/quotes
fuzz_build Sources/LatchkeyCore/*.swift Sources/LatchkeyServer/ConfigParser.swift Sources/LatchkeyServer/Usage.swift \
    Tests/Fuzz/ConfigParserFuzz.swift
fuzz_run 2048
