"""`make wheel`: dist/latchkey-<version>-py3-none-manylinux_2_<N>_<arch>.whl from python/latchkey
plus the self-contained binary `make dist` built (dist/latchkey), which pip installs as the
`latchkey` command (the wheel's .data/scripts). Standard library only, so it builds offline
with nothing but the interpreter; N is the newest glibc symbol version the binary needs.

usage: python3 python/build_wheel.py [BINARY] [OUTDIR]
"""
import base64
import hashlib
import os
import platform
import re
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PKG = os.path.join(HERE, "latchkey")


def project_version():
    with open(os.path.join(PKG, "pyproject.toml")) as f:
        return re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M).group(1)


def glibc_minor(binary):
    out = subprocess.run(["objdump", "-T", binary], capture_output=True, text=True, check=True).stdout
    minors = [int(m) for m in re.findall(r"GLIBC_2\.(\d+)", out)]
    return max(minors) if minors else 17


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "dist", "latchkey")
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "dist")
    if not os.path.exists(binary):
        sys.exit("no %s: run `make dist` first" % binary)
    version = project_version()
    tag = "py3-none-manylinux_2_%d_%s" % (glibc_minor(binary), platform.machine())
    name = "latchkey-%s-%s.whl" % (version, tag)
    distinfo = "latchkey-%s.dist-info" % version
    with open(os.path.join(PKG, "README.md")) as f:
        readme = f.read()
    files = []
    src = os.path.join(PKG, "src", "latchkey")
    for fn in sorted(os.listdir(src)):
        if fn.endswith(".py"):
            with open(os.path.join(src, fn), "rb") as f:
                files.append(("latchkey/" + fn, f.read(), 0o644))
    with open(binary, "rb") as f:
        files.append(("latchkey-%s.data/scripts/latchkey" % version, f.read(), 0o755))
    metadata = "\n".join([
        "Metadata-Version: 2.1", "Name: latchkey", "Version: " + version,
        "Summary: Latchkey: one small server that stands in for Redis and RabbitMQ in tests, with a pytest plugin",
        "Requires-Python: >=3.8", "License: MIT", "Classifier: Framework :: Pytest",
        "Description-Content-Type: text/markdown", "", readme])
    files += [
        (distinfo + "/METADATA", metadata.encode(), 0o644),
        (distinfo + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: latchkey build_wheel.py\nRoot-Is-Purelib: false\n"
                               "Tag: %s\n" % tag).encode(), 0o644),
        (distinfo + "/entry_points.txt", b"[pytest11]\nlatchkey = latchkey.pytest_plugin\n", 0o644),
        (distinfo + "/top_level.txt", b"latchkey\n", 0o644),
    ]
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        record = []
        for arcname, data, mode in files:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record.append(record_line(arcname, data))
        record.append(distinfo + "/RECORD,,")
        info = zipfile.ZipInfo(distinfo + "/RECORD", date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        z.writestr(info, "\n".join(record) + "\n")
    print(path)


if __name__ == "__main__":
    main()
