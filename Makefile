# Latchkey's two set-up commands on a fresh Debian machine: `make run` and `make test`.
# Both install what is missing first (Debian packages via `make deps`, the Python test clients
# into the git-ignored .venv), so a clean clone needs nothing else.

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config libuv1-dev liblua5.1-0-dev redis-server redis-tools amqp-tools librabbitmq-dev python3-venv rabbitmq-server php-cli php-amqplib nodejs node-redis chromium
# Only `make bench` needs these (syscall counts per request); the tests never do.
BENCH_APT_PACKAGES := strace
BIN := .build/release/latchkey
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: deps venv build run test unit codegen codegen-check interop fixture-test dist wheel wheel-check \
	embedding-example bench bench-deps soak fuzz fuzz-smoke format format-check clean

deps:
	@command -v swift >/dev/null 2>&1 || { echo "swift (6.0 or newer) is not on PATH: install the toolchain from swift.org first" >&2; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: Tests/Interop/requirements.txt Tests/Interop/redis/requirements.txt Tests/Interop/amqp/requirements.txt Tests/Interop/management/requirements.txt
	python3 -m venv $(VENV) || { $(SUDO) apt-get install -y -qq python3-venv && python3 -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r Tests/Interop/requirements.txt
	touch $@

venv: $(VENV)/.installed

# LATCHKEY_UNCHECKED_EXCLUSIVITY=1: the fast build (see Package.swift); dependents never set it.
build: deps
	LATCHKEY_UNCHECKED_EXCLUSIVITY=1 swift build -c release --product latchkey

run: build
	$(BIN) conf/latchkey.conf

unit: deps codegen-check
	swift test

# The AMQP codec is generated from tools/amqp-rabbitmq-0.9.1.json; the output is committed.
# codegen rewrites it, codegen-check (part of `make unit`) fails when the committed file drifted.
codegen:
	python3 tools/gen_amqp_methods.py

codegen-check:
	python3 tools/gen_amqp_methods.py --check

# pytest exits 5 when it collects no tests; that is not a failure of the suite.
interop: build venv
	LATCHKEY_BIN=$(BIN) $(PY) -m pytest -q Tests/Interop; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

# The pytest plugin (pytester) and the example project, against the release binary, from the
# source tree (wheel-check runs them from an installed wheel instead).
fixture-test: build venv
	LATCHKEY_BIN=$(CURDIR)/$(BIN) PYTHONPATH=python/latchkey/src $(PY) -m pytest -q -p latchkey.pytest_plugin python/latchkey/tests examples/celery-lock/tests

# wheel-check and embedding-example prove issue 10's two promises on every run: the wheel works
# with the toolchain hidden, and the package builds as another package's dependency.
# format-check runs after the unit tests so a formatting slip never hides a failing test.
test: unit format-check interop fixture-test wheel-check embedding-example

# swift-format (in the Swift 6 toolchain) with the repository's .swift-format: NIO's layout but for
# lineBreakBeforeEachArgument (off: table rows and long calls fill lines instead of one argument each), 4
# spaces, 120 columns. `make format` rewrites in place; `make format-check` fails on any file
# that `make format` would change. The generated AMQP codec is left out: its layout is the
# generator's, and codegen-check compares it byte for byte.
FORMAT_PATHS := Package.swift $(shell find Sources Tests -name '*.swift' -not -path '*/Generated/*' | sort)

format:
	@echo 'swift format -i (Package.swift, Sources, Tests; not Generated/)'
	@swift format -i --parallel $(FORMAT_PATHS)

format-check:
	@echo 'swift format lint --strict (Package.swift, Sources, Tests; not Generated/)'
	@swift format lint --strict --parallel $(FORMAT_PATHS)

# The self-contained binary (static Swift stdlib, libuv, Lua): dist/latchkey and a tarball.
dist: deps
	bash tools/build_dist.sh

# dist/latchkey-<version>-py3-none-manylinux_2_N_<arch>.whl carrying dist/latchkey.
wheel: dist
	python3 python/build_wheel.py

# The Swift embedding example, built as a package that depends on this one (no unsafe flags).
embedding-example: deps
	cd examples/swift-embedding && swift test

# The done-when check: a fresh venv with only the wheel (and the example's own clients) runs the
# example's tests with the Swift toolchain hidden (a private mount namespace where possible).
wheel-check: wheel
	rm -rf .build/wheel-venv && python3 -m venv .build/wheel-venv
	.build/wheel-venv/bin/pip install -q dist/latchkey-*.whl -r examples/celery-lock/requirements.txt
	cd examples/celery-lock && if unshare -m true 2>/dev/null; then \
	  unshare -m sh -c 'mount -t tmpfs none "$$(dirname $$(dirname $$(dirname $$(readlink -f $$(command -v swift)))))" && exec env -i PATH=$(CURDIR)/.build/wheel-venv/bin:/usr/bin:/bin HOME=/tmp $(CURDIR)/.build/wheel-venv/bin/python -m pytest -q tests'; \
	else env -i PATH=$(CURDIR)/.build/wheel-venv/bin:/usr/bin:/bin HOME=/tmp $(CURDIR)/.build/wheel-venv/bin/python -m pytest -q tests; fi

bench-deps:
	@missing=""; for p in $(BENCH_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Throughput and server CPU per operation against redis-server and RabbitMQ, then syscalls per
# round trip, all on the fast build above. `make bench BENCH_ARGS=--quick` for a smoke run.
bench: build venv bench-deps
	LATCHKEY_BIN=$(BIN) bash bench/run.sh $(BENCH_ARGS)

# Ten minutes of mixed load on both protocols with SIGKILL and restart every few seconds (issue 15).
soak: build venv
	LATCHKEY_BIN=$(BIN) $(PY) bench/soak.py --seconds $${SOAK_SECONDS:-600}

# Every libFuzzer harness has a Tests/Fuzz/run_<name>.sh built on Tests/Fuzz/fuzz_common.sh (bash;
# argument: seconds, default 60; .build/fuzz/<name>-fuzz and .build/fuzz/<name>-corpus); the loop
# runs each in turn, then the differential fuzzers that drive the release binary against the
# real servers.
FUZZ_SCRIPTS := $(sort $(wildcard Tests/Fuzz/run_*.sh))
FUZZ_SECONDS ?= 60

fuzz: deps
	@set -e; for s in $(FUZZ_SCRIPTS); do echo "== $$s $(FUZZ_SECONDS)s"; bash $$s $(FUZZ_SECONDS); done
	$(MAKE) -s build venv
	LATCHKEY_BIN=$(BIN) $(PY) Tests/Fuzz/resp_commands_fuzz.py --seconds $(FUZZ_SECONDS)
	LATCHKEY_BIN=$(BIN) $(PY) Tests/Fuzz/amqp_methods_fuzz.py --seconds $(FUZZ_SECONDS)
	LATCHKEY_BIN=$(BIN) $(PY) Tests/Fuzz/lua_fuzz.py --seconds $(FUZZ_SECONDS)

# Every fuzzer for 10 s: a check that each still builds and finds nothing new quickly.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

clean:
	rm -rf .build $(VENV)
