"""A short, seeded run of the differential command fuzzer (Tests/Fuzz/resp_commands_fuzz.py) in every
`make test`: hostile arguments for every command in Latchkey's COMMAND table must never crash the
server, hang it or drop the connection. `make fuzz` runs the same fuzzer for longer with fresh seeds."""
import os
import shutil
import subprocess
import sys

import pytest

FUZZER = os.path.join(os.path.dirname(__file__), "..", "..", "Fuzz", "resp_commands_fuzz.py")


@pytest.mark.skipif(os.environ.get("LATCHKEY_TARGET") == "redis", reason="fuzzes Latchkey against redis-server")
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server for the comparison")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hostile_arguments_never_crash_or_hang(seed):
    run = subprocess.run([sys.executable, FUZZER, "--seconds", "4", "--seed", str(seed)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no crash, hang or dropped connection" in run.stdout
