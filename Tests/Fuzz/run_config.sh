#!/usr/bin/env bash
# Builds and runs the configuration parser fuzzer (libFuzzer + ASan): LatchkeyCore plus the
# server's ConfigParser.swift and Usage.swift compiled with the harness into one module (imports
# stripped from temporary copies). Usage: Tests/Fuzz/run_config.sh [seconds] (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-60}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" .build/fuzz/config-corpus
for f in Sources/LatchkeyCore/*.swift Sources/LatchkeyServer/ConfigParser.swift Sources/LatchkeyServer/Usage.swift; do
    sed '/^import LatchkeyCore$/d' "$f" > "$work/src/$(basename "$f")"
done
cp Tests/Fuzz/ConfigParserFuzz.swift "$work/src/"
cp conf/latchkey.conf .build/fuzz/config-corpus/latchkey.conf
printf 'port 6380\nproto-max-bulk-len 9999999999999999gb\n\000--hz 10 --bind "127.0.0.1 ::1"\000proto-max-inline-len 0 maxclients 99999999999999999999' \
    > .build/fuzz/config-corpus/extremes
printf 'requirepass "a\\x41\\n b"\nsave '"''"'\n\000--appendonly yes\000aof-max-record-size 1mb' > .build/fuzz/config-corpus/quotes
swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name Latchkey -module-name ConfigFuzz \
    "$work"/src/*.swift -o .build/fuzz/config-parser-fuzz
.build/fuzz/config-parser-fuzz -max_total_time="$secs" -max_len=2048 .build/fuzz/config-corpus 2>&1
