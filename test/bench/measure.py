"""Runs one command and prints its wall time (ms) and peak RSS (KiB) as JSON.

The benchmark's timing helper: wait4() gives the child's own rusage, so the
peak RSS is the command's, not this script's; no dependency beyond Python.
"""
import json
import os
import sys
import time

argv = sys.argv[1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall_ms = (time.perf_counter() - start) * 1000
print(json.dumps({
    "wall_ms": round(wall_ms, 3),
    "maxrss_kib": usage.ru_maxrss,
    "user_ms": round(usage.ru_utime * 1000, 3),
    "sys_ms": round(usage.ru_stime * 1000, 3),
    "exit": os.waitstatus_to_exitcode(status),
}))
