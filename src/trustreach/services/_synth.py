"""Synthetic demo world use-case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trustreach.core import ConfigurationError, check_output_folder

if TYPE_CHECKING:
    from trustreach.synth import WorldSummary


def synthesize_world(
    out_dir: Path,
    *,
    seed: int,
    creators: int,
    followers_per_creator: int,
    days: int,
    fmt: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> WorldSummary:
    """Write a synthetic world (interchange files + ground truth) to ``out_dir``."""
    from trustreach.synth import FORMATS, generate_world  # numpy-heavy; only when asked for

    if fmt not in FORMATS:
        raise ConfigurationError(f"format {fmt!r} not allowed; allowed: {', '.join(FORMATS)}")
    check_output_folder(out_dir, option="out_dir", overwrite=True)

    return generate_world(
        out_dir,
        seed=seed,
        creators=creators,
        followers_per_creator=followers_per_creator,
        days=days,
        fmt=fmt,
        progress=progress,
    )
