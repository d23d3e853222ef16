"""A short, seeded run of the AMQP method-argument fuzzer (Tests/Fuzz/amqp_methods_fuzz.py) in every
`make test`: spec-generated methods with hostile fields and argument tables must never crash or wedge
the server (a fresh connection is served after every burst). `make fuzz` runs it longer."""
import os
import subprocess
import sys

import pytest

FUZZER = os.path.join(os.path.dirname(__file__), "..", "..", "Fuzz", "amqp_methods_fuzz.py")


@pytest.mark.skipif(os.environ.get("LATCHKEY_TARGET") == "rabbitmq", reason="fuzzes Latchkey itself")
@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_methods_never_crash_or_wedge(seed):
    run = subprocess.run([sys.executable, FUZZER, "--seconds", "4", "--seed", str(seed)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no crash or hang" in run.stdout
