#!/usr/bin/env bash
# Builds and runs the AMQP frame decoder fuzzer (libFuzzer + ASan) from the LatchkeyCore and
# LatchkeyAMQP sources. Usage: Tests/Fuzz/run_amqp.sh [seconds] (default 60; see fuzz_common.sh).
source "$(dirname "$0")/fuzz_common.sh"
# Seed corpus: a heartbeat, a basic.ack method frame, a content header with flags set.
printf '\x00\x08\x00\x00\x00\x00\x00\x00\xce' > "$fuzz_corpus"/heartbeat
printf '\x00\x01\x00\x01\x00\x00\x00\x0d\x00\x3c\x00\x50\x00\x00\x00\x00\x00\x00\x00\x09\x01\xce' > "$fuzz_corpus"/ack
printf '\x00\x02\x00\x01\x00\x00\x00\x11\x00\x3c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x30\x00\x01\x02\xce' \
    > "$fuzz_corpus"/header
fuzz_build Sources/LatchkeyCore/*.swift Sources/LatchkeyAMQP/*.swift Sources/LatchkeyAMQP/Generated/*.swift \
    Tests/Fuzz/FrameDecoderFuzz.swift
fuzz_run 16384
