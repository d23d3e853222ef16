"""A full disk on demand, for the disk-trouble tests of both front ends: a 1 MB tmpfs made by the
test (needs root; the test is skipped otherwise) and a helper that fills a file until writes fail.
"""
import os
import subprocess
import tempfile

import pytest


@pytest.fixture
def small_disk():
    """A 1 MB tmpfs made for the test (needs root; skipped otherwise)."""
    mnt = tempfile.mkdtemp(prefix="latchkey-full-")
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]).returncode != 0:
        os.rmdir(mnt)
        pytest.skip("cannot mount a small tmpfs")
    yield mnt
    subprocess.run(["umount", "-l", mnt])
    os.rmdir(mnt)


def fill(path):
    """Writes to `path` until the file system refuses another byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
