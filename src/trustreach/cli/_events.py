"""``trustreach events push`` (stream JSONL events to a server) and ``trustreach webhooks secret``.

``events push`` is a client of the REST API (``POST /api/v1/events``) over HTTP, so
it works against any trustreach server; it never imports the API package. A batch is
re-sent after a lost connection, a 429 or a 503 with backoff: that is safe because
an ``event_id`` is stored once (a re-sent event counts as a duplicate).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from trustreach.cli._app import Workspace, app, console, err_console, fail
from trustreach.core import ConfigurationError

if TYPE_CHECKING:
    import httpx

events_app = typer.Typer(help="Tracking events in real time.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhooks that send events in (the shop).", no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(webhooks_app, name="webhooks")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Answers after which a batch is sent again (with backoff)."""
MAX_BACKOFF_S = 30.0


@dataclass
class PushReport:
    """What a push did: events accepted and duplicates, and the lines refused (with why)."""

    accepted: int = 0
    duplicates: int = 0
    batches: int = 0
    retries: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


class PushFailed(ConfigurationError):
    """A batch could not be delivered (the server refused the key, or kept failing)."""


def _lines(handle: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, 1):
        if line.strip():
            yield number, line


def _batches(
    lines: Iterable[tuple[int, str]], size: int, report: PushReport
) -> Iterator[list[tuple[int, Any]]]:
    batch: list[tuple[int, Any]] = []
    for number, line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            report.refused.append((number, f"not JSON: {exc.msg}"))
            continue
        if not isinstance(event, dict):
            report.refused.append((number, "a line must hold one JSON object (an event)"))
            continue
        batch.append((number, event))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _problem_lines(
    answer: httpx.Response, batch: list[tuple[int, Any]]
) -> dict[int, list[str]] | None:
    """Refused events of a 422 answer by their index in the batch (None: not per event)."""
    try:
        document = answer.json()
    except ValueError:
        return None
    found: dict[int, list[str]] = {}
    for error in document.get("errors") or []:
        parts = str(error.get("field", "")).split(".")
        if len(parts) < 3 or parts[:2] != ["body", "events"] or not parts[2].isdigit():
            return None
        index = int(parts[2])
        if not 0 <= index < len(batch):
            return None
        name = ".".join(parts[3:])
        allowed = f" (allowed: {error['allowed']})" if error.get("allowed") else ""
        found.setdefault(index, []).append(
            (f"field '{name}': " if name else "") + str(error.get("message")) + allowed
        )
    return found or None


def _wait(answer: httpx.Response | None, attempt: int) -> float:
    if answer is not None:
        retry_after = answer.headers.get("retry-after", "")
        if retry_after.isdigit():
            return min(float(retry_after), MAX_BACKOFF_S)
    return float(min(0.25 * 2**attempt, MAX_BACKOFF_S))


def push_events(
    lines: Iterable[tuple[int, str]],
    *,
    client: httpx.Client,
    batch_size: int = 1000,
    retries: int = 10,
    on_batch: Callable[[PushReport], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Send ``(line number, JSON text)`` events to ``client``'s server in batches.

    Each batch is sent until the server answers it: a lost connection, a 429 or a
    5xx is retried with exponential backoff (``Retry-After`` when given) up to
    ``retries`` times. A 413 splits the batch in two. A 422 naming events refuses
    those lines (reported with their line number) and the rest of the batch is sent
    again. 401/403 or a batch that keeps failing raise :class:`PushFailed` naming
    the first line not acknowledged; everything before it was stored.
    """
    import httpx

    report = PushReport()
    stack: list[list[tuple[int, Any]]] = []
    source = _batches(lines, batch_size, report)
    while True:
        if not stack:
            nxt = next(source, None)
            if nxt is None:
                break
            stack.append(nxt)
        batch = stack.pop()
        attempt = 0
        while True:
            answer: httpx.Response | None = None
            try:
                answer = client.post("/api/v1/events", json={"events": [e for _, e in batch]})
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                problem = f"HTTP {answer.status_code}"
                if answer.status_code == 200:
                    receipt = answer.json()
                    report.accepted += int(receipt["accepted"])
                    report.duplicates += int(receipt["duplicates"])
                    report.batches += 1
                    break
                if answer.status_code == 413 and len(batch) > 1:
                    half = len(batch) // 2
                    stack += [batch[half:], batch[:half]]
                    batch = []
                    break
                if answer.status_code == 422:
                    bad = _problem_lines(answer, batch)
                    if bad is not None:
                        for index, messages in sorted(bad.items()):
                            report.refused.append((batch[index][0], "; ".join(messages)))
                        batch = [b for i, b in enumerate(batch) if i not in bad]
                        if not batch:
                            break
                        continue
                if answer.status_code not in RETRY_STATUSES and answer.status_code < 500:
                    raise PushFailed(
                        f"the server refused the batch starting at line {batch[0][0]} "
                        f"({problem}: {_detail(answer)}); lines before it were stored"
                    )
            if attempt >= retries:
                raise PushFailed(
                    f"the batch starting at line {batch[0][0]} was not acknowledged after "
                    f"{retries + 1} tries (last: {problem}); lines before it were stored; "
                    "push again (event_id keeps a re-sent event from counting twice)"
                )
            report.retries += 1
            sleep(_wait(answer, attempt))
            attempt += 1
        if on_batch is not None:
            on_batch(report)
    return report


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text[:200]))
    except ValueError:
        return answer.text[:200]


@events_app.command("push")
def events_push(
    source: Annotated[
        str, typer.Argument(help="A JSONL file of tracking events, one a line, or - for stdin.")
    ],
    url: Annotated[
        str, typer.Option(help="The trustreach server (its API is under /api/v1).")
    ] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None,
        typer.Option(
            envvar="TRUSTREACH_API_KEY",
            help="An analyst or admin API key (default: TRUSTREACH_API_KEY).",
            show_default=False,
        ),
    ] = None,
    batch: Annotated[
        int, typer.Option(min=1, max=5000, help="Events per request (at most 5,000).")
    ] = 1000,
    retries: Annotated[
        int,
        typer.Option(min=0, max=100, help="Tries again per batch on a lost connection, 429, 5xx."),
    ] = 10,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for an answer.")] = 60.0,
) -> None:
    """Stream tracking events (JSONL) to a server's POST /api/v1/events, in batches.

    Prints accepted, duplicates and refused; a refused line is named with its line
    number and the command exits with status 2. Safe to run again: an event already
    stored counts as a duplicate.
    """
    import httpx

    if not key:
        fail("an API key is needed: --key or TRUSTREACH_API_KEY (`trustreach keys create`)")
    handle: IO[str]
    if source == "-":
        handle = sys.stdin
    else:
        path = Path(source)
        if not path.is_file():
            fail(f"{source}: no such file (give a JSONL file, or - for stdin)")
        handle = path.open(encoding="utf-8")
    headers = {"Authorization": f"Bearer {key}", "User-Agent": "trustreach-events-push"}
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout) as client:
            report = push_events(_lines(handle), client=client, batch_size=batch, retries=retries)
    except UnicodeDecodeError as exc:
        fail(
            f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start} of a read block); "
            "events are JSON lines in UTF-8. Batches before the bad bytes were sent; "
            "running the command again on a fixed file counts them as duplicates"
        )
    finally:
        if handle is not sys.stdin:
            handle.close()
    for number, why in report.refused[:100]:
        err_console.print(f"line {number}: {why}", markup=False, highlight=False, soft_wrap=True)
    if len(report.refused) > 100:
        err_console.print(f"… and {len(report.refused) - 100} more refused lines", markup=False)
    console.print(
        f"accepted={report.accepted} duplicates={report.duplicates} refused={len(report.refused)}",
        markup=False,
        highlight=False,
    )
    if report.refused:
        fail(
            f"{len(report.refused)} line(s) refused (first: line {report.refused[0][0]}); "
            "the other events were stored"
        )


@webhooks_app.command("secret")
def webhooks_secret(workspace: Workspace = "default") -> None:
    """Make a new secret for the shop webhook of a workspace and print it once.

    The shop signs each delivery with it (X-Shop-Hmac-Sha256); it replaces the
    previous secret at once. Kept in a file of its own (mode 0600) in the data
    directory, never in the database (docs/security.md).
    """
    from trustreach import services
    from trustreach.services._shop_webhook import new_webhook_secret

    secret = new_webhook_secret(
        workspace=workspace, by=services.cli_actor(workspace), settings=None
    )
    err_console.print(
        f"New shop webhook secret for workspace {workspace}; it is shown this once and "
        f"replaces the previous one. Deliveries go to POST /api/v1/webhooks/shop/{workspace}.",
        markup=False,
        highlight=False,
    )
    console.print(secret, markup=False, highlight=False, soft_wrap=True)
