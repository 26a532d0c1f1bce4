"""Runs `manage.py ARGS...` in this process and prints its peak resident memory (VmHWM) last.

The kernel's ru_maxrss of a child carries over the parent's peak across fork and exec, so a
benchmark that has loaded a catalogue itself would read its own size there; VmHWM belongs to the
process image that ran the command.
"""

import atexit
import runpy
import sys
from pathlib import Path


def report_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            print(f"peak_kb={line.split()[1]}", file=sys.stderr)


ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
atexit.register(report_peak)
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path(str(ROOT / "manage.py"), run_name="__main__")
