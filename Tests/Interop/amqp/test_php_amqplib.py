"""A non-Python AMQP client: Debian's php-amqplib runs php/session.php against RabbitMQ and Latchkey.

The script connects, declares, publishes with confirms, consumes with ack, and takes two error
paths (404 on a passive declare, 406 on an unknown delivery tag). Both servers must print the
same lines. It uses the differential's fixtures from conftest.py (a private RabbitMQ node and the
suite's Latchkey); without php or php-amqplib it is skipped, except under CI=true.
"""
import os
import shutil
import subprocess
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "php", "session.php")
AUTOLOAD = "/usr/share/php/PhpAmqpLib/autoload.php"


def run_php(addr):
    prefix = "php-%s" % uuid.uuid4().hex[:8]
    p = subprocess.run(["php", SCRIPT, addr[0], str(addr[1]), prefix], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, "php session failed against %s:%d\n%s%s" % (addr[0], addr[1], p.stdout, p.stderr)
    return p.stdout.splitlines()


def test_php_amqplib_session_matches_rabbitmq(rabbitmq, latchkey):
    if not shutil.which("php") or not os.path.exists(AUTOLOAD):
        if os.environ.get("CI") == "true":
            pytest.fail("php-cli and php-amqplib must be installed in CI (Makefile APT_PACKAGES)")
        pytest.skip("php-cli / php-amqplib not installed")
    expected = run_php(rabbitmq)
    assert expected[-1] == "closed" and "passive declare: 404" in "\n".join(expected)
    assert run_php(latchkey) == expected
