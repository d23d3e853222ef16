#!/usr/bin/env bash
# Runs every benchmark row against Latchkey and the real servers in one go and prints ratios:
# throughput and server CPU per operation for RESP (vs redis-server 7, Debian) and AMQP (vs
# RabbitMQ 3, Debian, installed here on first use because only the benchmarks need it), then
# syscalls per round trip (strace). Output is markdown, ready to paste into docs/benchmarks.md.
# Use the fast build (`make build` sets LATCHKEY_UNCHECKED_EXCLUSIVITY=1); `make bench` does.
# Usage: bench/run.sh [--quick]   (a full run is meant to take under 10 minutes on 2 cores; --quick
# under one)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
dpkg -s rabbitmq-server >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rabbitmq-server; }
PY=.venv/bin/python
export LATCHKEY_BIN=${LATCHKEY_BIN:-.build/release/latchkey}
quick=()
for a in "$@"; do [ "$a" = --quick ] && quick=(--quick); done
echo "# bench/run.sh $*"
echo "Binary: $LATCHKEY_BIN ($(stat -c %y "$LATCHKEY_BIN" | cut -d. -f1)), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "Load at start: $(uptime)"
echo
echo "## RESP (Latchkey vs redis-server)"
$PY bench/redis_bench.py "$@"
echo
echo "## AMQP (Latchkey vs RabbitMQ)"
$PY bench/amqp_bench.py "$@"
echo
echo "## Round trips: syscalls per request"
$PY bench/syscalls.py "${quick[@]}"
echo
echo "Load at end: $(uptime)"
