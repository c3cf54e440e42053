"""Render ``docs/benchmarks.md`` from a template and the output of ``benchmarks/run.py``.

Every figure in the benchmarks document comes from one run, so no number and
no verdict is typed by hand::

    python benchmarks/run.py | tee docs/benchmark-run.txt
    python benchmarks/render_doc.py            # writes docs/benchmarks.md
    python benchmarks/render_doc.py --check    # exit 1 (with a diff) if it is stale

The run output holds ``run_*=`` lines (date, commit, machine), then for each
script a ``# bench_x.py`` line, its ``name=value`` lines, ``script_seconds=``
and, when it failed, ``script_exit=``; it ends with ``run_ended_utc=``.

Placeholders in the template (``benchmarks/benchmarks.md.in``):

``{{run:run_cpu}}``
    a ``run_*`` line of the run; ``{{run:reruns}}`` every ``run_rerun_*`` line
    (scripts re-run alone into the run by ``run.py --into``), or ``none``.
``{{bench_scoring:score_single_seconds_10000000}}``
    a script's value as printed. ``name@2`` takes the second line of that name
    (a script that prints the same names once per store, say); a name printed
    more than once with different values must say which.
``{{bench_scoring:score_single_accounts_per_s_10000000|,.0f}}``
    the value as a number in a Python format specification (``\\|`` works too,
    for a placeholder inside a Markdown table).
``{{check bench_discovery:rank_p50_s <= 0.25}}``
    ``met`` or ``**not met**`` (operators ``>=``, ``<=``, ``>``, ``<``).

A script missing from the run, one that exited non-zero or did not finish, a
name it did not print, or a value that is not a number where a format or a
check needs one is an error naming the placeholder and its line.
"""

from __future__ import annotations

import argparse
import difflib
import operator
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "docs" / "benchmark-run.txt"
TEMPLATE = ROOT / "benchmarks" / "benchmarks.md.in"
OUTPUT = ROOT / "docs" / "benchmarks.md"

_NAME = r"[A-Za-z0-9_.\-]+(?:@[0-9]+)?"
_SOURCE = r"run|bench_[A-Za-z0-9_]+"
_VALUE = re.compile(rf"^(?P<source>{_SOURCE}):(?P<name>{_NAME})(?:\\?\|(?P<spec>[^}}]*))?$")
_CHECK = re.compile(
    rf"^check\s+(?P<source>{_SOURCE}):(?P<name>{_NAME})\s*(?P<op>>=|<=|>|<)\s*(?P<bound>\S+)$"
)
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


class RenderError(ValueError):
    """A placeholder that the run cannot fill; the message names each one and its line."""


@dataclass
class Script:
    """One script's section of a run: its ``name=value`` lines in order."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    finished: bool = False
    exit_status: str = "0"


@dataclass
class Run:
    """A parsed ``benchmarks/run.py`` output."""

    machine: dict[str, str] = field(default_factory=dict)
    scripts: dict[str, Script] = field(default_factory=dict)


def parse_run(text: str) -> Run:
    """Parse the output of ``benchmarks/run.py``.

    Parameters
    ----------
    text : str
        The run's standard output. Lines that are not ``name=value`` (a
        script's stray output) are ignored.

    Returns
    -------
    Run
        The ``run_*`` lines and each script's lines, keyed by the script's
        stem (``bench_scoring``).
    """
    run = Run()
    current: Script | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("# ") and line.endswith(".py"):
            current = run.scripts.setdefault(line[2:].removesuffix(".py").strip(), Script())
            continue
        name, sep, value = line.partition("=")
        if not sep or not name or " " in name:
            continue
        if name.startswith("run_") and (current is None or name == "run_ended_utc"):
            run.machine[name] = value
            current = None if name == "run_ended_utc" else current
        elif current is not None:
            if name == "script_seconds":
                current.finished = True
            elif name == "script_exit":
                current.exit_status = value
            current.lines.append((name, value))
    return run


def _lookup(run: Run, source: str, name: str) -> str:
    if source == "run":
        if name == "reruns":  # every script re-run alone after the run, or none
            lines = [v for k, v in run.machine.items() if k.startswith("run_rerun_")]
            return "<br>".join(lines) or "none"
        if name not in run.machine:
            raise LookupError(f"the run printed no {name}= line")
        return run.machine[name]
    script = run.scripts.get(source)
    if script is None:
        raise LookupError(f"{source}.py is not in the run")
    if script.exit_status != "0":
        raise LookupError(f"{source}.py exited with status {script.exit_status}")
    if not script.finished:
        raise LookupError(f"{source}.py did not finish (no script_seconds= line)")
    bare, _, nth = name.partition("@")
    values = [value for key, value in script.lines if key == bare]
    if not values:
        raise LookupError(f"{source}.py printed no {bare}= line")
    if nth:
        if not 1 <= int(nth) <= len(values):
            raise LookupError(f"{source}.py printed {bare}= {len(values)} time(s), not {nth}")
        return values[int(nth) - 1]
    if len(set(values)) > 1:
        raise LookupError(f"{source}.py printed {bare}= {len(values)} times; say which: {bare}@N")
    return values[0]


def _number(value: str) -> int | float:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise LookupError(f"{value!r} is not a number") from None


def _fill(run: Run, body: str) -> str:
    check = _CHECK.match(body.strip())
    if check:
        figure = _number(_lookup(run, check["source"], check["name"]))
        bound = _number(check["bound"])
        return "met" if _OPERATORS[check["op"]](figure, bound) else "**not met**"
    plain = _VALUE.match(body.strip())
    if plain is None:
        raise LookupError("not a placeholder: {{source:name}}, {{source:name|spec}} or {{check …}}")
    value = _lookup(run, plain["source"], plain["name"])
    if plain["spec"] is None:
        return value
    try:
        return format(_number(value), plain["spec"])
    except ValueError as exc:
        raise LookupError(f"format {plain['spec']!r}: {exc}") from None


def render(template: str, run: Run, template_name: str = "template") -> str:
    """Fill every placeholder of ``template`` from ``run``.

    Parameters
    ----------
    template : str
        The document with ``{{…}}`` placeholders.
    run : Run
        The parsed run output.
    template_name : str
        How errors name the template.

    Returns
    -------
    str
        The document.

    Raises
    ------
    RenderError
        Naming every placeholder that could not be filled, with its line.
    """
    problems: list[str] = []
    out: list[str] = []
    for number, line in enumerate(template.splitlines(keepends=True), start=1):

        def replace(match: re.Match[str], number: int = number) -> str:
            try:
                return _fill(run, match[1])
            except LookupError as exc:
                problems.append(f"{template_name}:{number}: {match[0]}: {exc.args[0]}")
                return match[0]

        out.append(_PLACEHOLDER.sub(replace, line))
    if problems:
        raise RenderError("\n".join(problems))
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the rendered document; 1 when stale or unfillable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=RUN, help="run output (default %(default)s)")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="default %(default)s")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="default %(default)s")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if --out differs"
    )
    args = parser.parse_args(argv)
    try:
        text = render(
            args.template.read_text(encoding="utf-8"),
            parse_run(args.run.read_text(encoding="utf-8")),
            str(args.template),
        )
    except (OSError, RenderError) as exc:
        print(f"render_doc: {exc}", file=sys.stderr)
        return 1
    if not args.check:
        args.out.write_text(text, encoding="utf-8")
        return 0
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if current == text:
        return 0
    diff = list(
        difflib.unified_diff(
            current.splitlines(), text.splitlines(), str(args.out), "rendered", lineterm=""
        )
    )
    print(
        "\n".join(diff[:60] + ([f"… {len(diff) - 60} more diff lines"] if len(diff) > 60 else []))
    )
    print(f"{args.out} differs from the rendering of {args.template} with {args.run}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
