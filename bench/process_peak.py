"""One process measured from outside, for the memory benchmarks: its peak resident memory
(wait4's ru_maxrss, which counts every allocation of the process, the libraries too) and wall time."""
import os
import subprocess
import sys
import time


def run_measured(cmd, env, merge_stderr=True):
    """Runs cmd; returns (peak RSS in bytes, wall seconds, stdout). Exits naming cmd if it fails.
    merge_stderr=False drops stderr (for a stdout that must parse, such as JSON)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out}")
    return usage.ru_maxrss * 1024, seconds, out
