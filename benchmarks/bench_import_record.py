"""Peak memory of `trustreach import` on a file holding one huge record (refused).

Prints ``name=value`` lines. Each import runs as its own ``trustreach import``
process; its peak RSS comes from ``wait4``. The record size limit
(``TRUSTREACH_MAX_RECORD_BYTES``, 1 MiB by default) means a 128 MB line is
refused having held at most the limit plus one read block of it, so the peak
stays near that of importing a small file instead of growing with the line.

    python benchmarks/bench_import_record.py [--line-mb 128]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = Path(sys.executable).with_name("trustreach")


def _import(path: Path, data_dir: Path) -> tuple[int, float, float]:
    """Exit status, peak RSS (MB) and seconds of one `trustreach import PATH`."""
    env = {**os.environ, "TRUSTREACH_DATA_DIR": str(data_dir)}
    env.pop("TRUSTREACH_DATABASE_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(CLI), "import", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, seconds


def _write_jsonl(path: Path, line_bytes: int) -> Path:
    head, tail = b'{"account_id": "big", ', b'"followers_count": 1}\n'
    with path.open("wb") as handle:
        handle.write(b'{"account_id": "a1", "followers_count": 3}\n')
        handle.write(head)
        chunk = b" " * (1 << 20)
        for _ in range((line_bytes - len(head) - len(tail)) >> 20):
            handle.write(chunk)
        handle.write(tail)
    return path


def _write_csv(path: Path, row_bytes: int) -> Path:
    with path.open("wb") as handle:
        handle.write(b"account_id,username\na1,ann\nbig,")
        chunk = b"x" * (1 << 20)
        for _ in range(row_bytes >> 20):
            handle.write(chunk)
        handle.write(b"\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--line-mb", type=int, default=128, help="size of the huge record")
    args = parser.parse_args()
    size = args.line_mb << 20
    with tempfile.TemporaryDirectory(prefix="bench-record-") as scratch:
        root = Path(scratch)
        small = root / "small" / "follower_accounts.jsonl"
        small.parent.mkdir()
        small.write_text('{"account_id": "a1", "followers_count": 3}\n', "utf-8")
        status, rss, seconds = _import(small, root / "data-small")
        print(f"import_small_file_exit={status}")
        print(f"import_small_file_peak_rss_mb={rss:.0f}")
        print(f"import_small_file_seconds={seconds:.2f}")
        for fmt, writer in (("jsonl", _write_jsonl), ("csv", _write_csv)):
            (root / fmt).mkdir()
            path = writer(root / fmt / f"follower_accounts.{fmt}", size)
            status, rss, seconds = _import(path, root / f"data-{fmt}")
            name = f"import_{args.line_mb}mb_{fmt}_record"
            print(f"{name}_exit={status}")  # 2: refused, naming the row and the limit
            print(f"{name}_peak_rss_mb={rss:.0f}")
            print(f"{name}_seconds={seconds:.2f}")
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
