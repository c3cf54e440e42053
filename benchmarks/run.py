"""Run every benchmark script (``bench_*.py``) here with its defaults; each prints name=value lines.

Scripts take their own options (``python benchmarks/bench_import.py --help``);
this runner passes none, so every figure comes from the documented defaults.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    status = 0
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"# {script.name}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
