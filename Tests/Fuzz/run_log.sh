#!/usr/bin/env bash
# Builds and runs the log reader fuzzer (libFuzzer + ASan) on mutated logs, from the LatchkeyCore
# and LatchkeyLog sources. The harness writes its log files under LOG_FUZZ_DIR, a tmpfs directory
# when /dev/shm exists. Usage: Tests/Fuzz/run_log.sh [seconds] (default 60; see fuzz_common.sh).
source "$(dirname "$0")/fuzz_common.sh"
LOG_FUZZ_DIR="$(mktemp -d /dev/shm/latchkey-logfuzz-XXXXXX 2>/dev/null || mktemp -d)"
export LOG_FUZZ_DIR
trap 'rm -rf "$fuzz_work" "$LOG_FUZZ_DIR"' EXIT
# Seeds: first byte 2 = "valid log from the input, then edits"; 1 = header + raw; 0 = raw.
printf '\002lock:aXtoken-1Yqueue\005jobs\003abcdefghijklmnopqrstuvwxyz0123456789' > "$fuzz_corpus"/records
printf '\001\005\000\000\000\001\000\001k\001v' > "$fuzz_corpus"/frame
printf '\000\211LKLOG\r\n\001\000\000\000' > "$fuzz_corpus"/header
fuzz_build Sources/LatchkeyCore/*.swift Sources/LatchkeyLog/*.swift Tests/Fuzz/LogReaderFuzz.swift
fuzz_run 4096
