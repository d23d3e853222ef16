#!/usr/bin/env bash
# Runs every benchmark row against Latchkey and the real servers in one go and prints ratios.
# RESP rows compare with redis-server 7 (Debian); AMQP rows with RabbitMQ 3 (Debian), which is
# installed here on first use because it is heavy and only the benchmarks need it.
# Usage: bench/run.sh [--quick]   (extra flags are passed to both harnesses)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
dpkg -s rabbitmq-server >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rabbitmq-server; }
PY=.venv/bin/python
export LATCHKEY_BIN=${LATCHKEY_BIN:-.build/release/latchkey}
echo "## RESP (Latchkey vs redis-server)"
$PY bench/redis_bench.py "$@"
echo
echo "## AMQP (Latchkey vs RabbitMQ)"
$PY bench/amqp_bench.py "$@"
