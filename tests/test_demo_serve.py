"""`trustreach demo --serve` refuses a port in use before any of the demo's work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def test_a_port_in_use_is_refused_before_the_demo_starts(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "trustreach", "demo", "--serve", "--port", str(port),
             "--out", str(tmp_path / "world")],
            capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, "TRUSTREACH_DATA_DIR": str(tmp_path / "data")},
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "SERVE=0" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "world").exists()  # refused before generating anything
    assert not (tmp_path / "data").exists()
