"""An import killed with SIGKILL leaves all of it or none of it, a verifying chain, and a
store that takes the same import again (see ``tests/_crash.py``; a longer run is
``scripts/fuzz_import_kill.py --runs N``)."""

from __future__ import annotations

import random
from pathlib import Path

from tests._crash import CrashBench

from trustreach.core import Settings

SEED = 20261205


def _kill_points(events: list[str], rng: random.Random) -> list[int]:
    """One event in the commit window (anchor announced … anchor confirmed), two anywhere."""
    anchor = [i for i, e in enumerate(events, 1) if e.startswith("replace:before:audit-anchor")]
    window = list(range(anchor[0], len(events) + 1)) if anchor else []
    commit = [i for i, e in enumerate(events, 1) if e == "commit:after"]
    assert commit, f"a clean import commits: {events}"
    points = [rng.choice(window or commit)]
    points += rng.sample(range(1, len(events) + 1), 2)
    return points


def test_a_killed_import_leaves_all_or_nothing(tmp_path: Path, store_settings: Settings) -> None:
    bench = CrashBench(store_settings, tmp_path, followers=1500)
    events = bench.events()
    rng = random.Random(SEED)
    crashes = [bench.kill(point) for point in _kill_points(events, rng)]
    problems = [f"killed at event {c.event} ({c.label}): {p}" for c in crashes for p in c.problems]
    assert problems == []
    assert all(c.label for c in crashes), "every run must really have been killed"
