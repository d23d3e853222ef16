"""Server CPU time and machine load for the benchmark harnesses (issue 14, "the measure").

CPU per operation = utime+stime of the server process (from /proc/PID/stat, which already sums
all of the process's threads), read just before and just after the measured interval, divided by
the operations in it. Clock ticks have a resolution of 1/CLK_TCK s (10 ms), so intervals of a
second or more are needed for figures good to about 1%.
"""
import os
import subprocess

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """utime + stime of pid in clock ticks (fields 14 and 15; the name in field 2 may hold spaces)."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
    return int(fields[11]) + int(fields[12])


def ticks_to_us(ticks):
    return ticks * 1e6 / CLK_TCK


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def beam_pid(pid):
    """The beam.smp process at or below pid (RabbitMQ's pid file names it; this checks that)."""
    if pid and comm(pid).startswith("beam"):
        return pid
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                if ppid == pid and comm(int(entry)).startswith("beam"):
                    return int(entry)
            except (OSError, ValueError):
                continue
    raise RuntimeError("no beam.smp process found for pid %s" % pid)


def cmdline(pid):
    """The process's argv as one shell-like line (for the report's command lines)."""
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return " ".join(a.decode(errors="replace") for a in f.read().split(b"\0") if a)


def load_average():
    """`uptime` as printed (time, up, users, load average 1/5/15 min)."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def ratio(a, b, fmt="%.2fx"):
    return fmt % (a / b) if a and b else "-"
