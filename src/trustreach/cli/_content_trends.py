"""``trustreach content trends --niche NICHE | --account ACCOUNT``: rising topics.

Calls one library function (:func:`trustreach.services.rising_topics`);
errors are printed by :func:`trustreach.cli._app.main`.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from trustreach.cli._app import Workspace, console
from trustreach.cli._content import content_app
from trustreach.cli._formats import FormatOpt, OutputFormat


@content_app.command("trends")
def trends(
    niche: Annotated[
        str | None, typer.Option("--niche", help="A niche creators of the workspace declare.")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account", help="An account_id, @handle or handle@platform: its niches, platform."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Last day of the recent window, YYYY-MM-DD (default: latest post)."
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    workspace: Workspace = "default",
) -> None:
    """Hashtags, keywords and comment themes rising against their own baseline, with evidence."""
    from trustreach import services
    from trustreach.ethics.disclosure import machine_generated_note

    result = services.rising_topics(
        actor=services.cli_actor(workspace),
        niche=niche,
        account=account,
        workspace=workspace,
        as_of=as_of,
    )
    data = result.to_dict()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    whose = (
        f"@{result.handle} on {result.platform} ({result.account_id})"
        if result.account_id
        else f"niche {data['niches'][0]['niche']}"
    )
    for scan in data["niches"]:
        recent, base = scan["recent_window"], scan["baseline_window"]
        title = (
            f"Rising in {scan['niche']}"
            + (f" on {scan['platform']}" if scan["platform"] else "")
            + f" ({whose}): {recent['from']} to {recent['to']} against "
            f"{base['from']} to {base['to']}"
        )
        table = Table(title=title)
        for col in (
            "topic",
            "kind",
            "growth (95% interval)",
            "recent / baseline posts",
            "creators",
            "since about",
            "q",
            "examples",
        ):
            table.add_column(col, overflow="fold")
        for t in scan["topics"]:
            g, v = t["growth"], t["volume"]
            high = "∞" if g["high"] is None else f"{g['high']:g}"
            table.add_row(
                t["label"],
                t["kind"].replace("_", " "),
                f"{g['ratio']:g}x ({g['low']:g}–{high})",
                f"{v['recent_posts']} / {v['baseline_posts']}",
                str(v["creators"]),
                t["onset"],
                f"{t['q_value']:.2g}",
                ", ".join(t["example_post_ids"]),
            )
        console.print(table)
        posts = recent["posts"].get("hashtag", 0) + base["posts"].get("hashtag", 0)
        if not scan["topics"]:
            console.print(
                f"Nothing rising at q <= {scan['false_discovery_rate']} among "
                f"{scan['candidates_tested']} topics of {posts} posts."
            )
        else:
            console.print(
                f"{len(scan['topics'])} rising of {scan['candidates_tested']} topics tested "
                f"({posts} posts from {scan['creators']} creators)."
            )
        left_out = sum(scan["campaign_posts_left_out"].values())
        if left_out:
            console.print(
                f"{left_out} campaign post(s) (paid-partnership flag or a disclosure) left out: "
                "a brand's words are not a trend."
            )
        for t in scan["topics"]:
            console.print(f"- {t['reason']}")
    console.print(
        machine_generated_note(
            "topics rising against their own baseline in these posts; a person decides "
            "whether to follow them.",
            data["method"],
        )
    )
