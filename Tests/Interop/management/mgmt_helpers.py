"""Helpers shared by the management tests (a module of its own: several conftest.py files
load in one pytest run, so tests cannot import from "conftest")."""
import time


def eventually(check, timeout=15.0):
    """Polls `check` until it returns a truthy value. RabbitMQ's management statistics lag the
    broker by its collection interval; Latchkey answers from live state, so it passes at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
