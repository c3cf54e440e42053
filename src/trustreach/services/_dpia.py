"""A generated DPIA draft (GDPR Art. 35) and record of processing (Art. 30) for a workspace.

:func:`dpia_draft` reads three things that already exist and writes them into
the sections Art. 35(7) asks for: the store's record of processing
(:func:`trustreach.store.processing_register`: every personal-data table, whose
data, why, on what basis, how long), the model registry
(:mod:`trustreach.services._model_registry`) and the workspace's row counts.
Risks and the measures the product takes against them are stated once here,
each naming where the measure lives, so a data-protection officer can check
them. The result is a draft marked as machine-generated: a person completes,
reviews and signs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from trustreach import __version__
from trustreach.core import Settings, check_output_file, get_settings, replaced_atomically
from trustreach.services._context import check_workspace, require_workspace, store
from trustreach.services._model_registry import ModelEntry, model_registry
from trustreach.store import ProcessingEntry, processing_register
from trustreach.store._tables import metadata

__all__ = ["DPIA_SECTIONS", "RISKS", "DpiaDraft", "Risk", "dpia_draft", "write_dpia_draft"]

#: The section headings, in order (GDPR Art. 35(7)(a)-(d), then 35(9) and Art. 36).
DPIA_SECTIONS: tuple[str, ...] = (
    "1. Why a DPIA is needed (Art. 35(1), 35(3))",
    "2. Description of the processing and its purposes (Art. 35(7)(a))",
    "3. Record of processing (Art. 30)",
    "4. Models used (Art. 35(7)(a); AI Act transparency)",
    "5. Necessity and proportionality (Art. 35(7)(b))",
    "6. Risks to the rights and freedoms of data subjects (Art. 35(7)(c))",
    "7. Measures to address the risks (Art. 35(7)(d))",
    "8. Views of data subjects and the DPO (Art. 35(2), 35(9))",
    "9. Residual risk and prior consultation (Art. 36)",
)


@dataclass(frozen=True)
class Risk:
    """A risk to data subjects and the product's measures against it."""

    risk: str
    who: str
    likelihood: str
    severity: str
    measures: tuple[str, ...]


RISKS: tuple[Risk, ...] = (
    Risk(
        "Followers and commenters are profiled without knowing (they never signed up)",
        "followers, commenters",
        "certain",
        "medium",
        (
            "keyed pseudonyms (HMAC) at ingest: raw handles are never stored",
            "minimisation: only counts, flags and lengths a model needs; raw bios and names "
            "are not persisted",
            "erasure and access by proof of a handle (`trustreach privacy erase-follower`, "
            "`trustreach rights ...`)",
            "retention periods per table (section 3), enforced by a scheduled command",
        ),
    ),
    Risk(
        "A model's score is taken as a verdict about a creator (fake followers, promotion, "
        "brand safety) and costs them a contract",
        "creators",
        "possible",
        "high",
        (
            "every AI output carries a probability or interval, the model version and its top "
            "signals in plain words; language describes evidence, never verdicts",
            "no solely automated decision (Art. 22): a person approves every shortlist and "
            "deal before anything is contracted",
            "creators see and contest their audit (disputes, Art. 22(3)); overrides are logged",
            "model cards with grouped cross-validation, calibration and fairness figures "
            "(section 4)",
        ),
    ),
    Risk(
        "Small audience buckets single out individuals",
        "followers",
        "possible",
        "medium",
        (
            "audience breakdowns hide buckets under the minimum size (default 100) and the "
            "complementary buckets that would reveal them, in every view",
        ),
    ),
    Risk(
        "Special-category data is inferred or misused (ethnicity, religion, health, orientation)",
        "creators, followers",
        "unlikely",
        "high",
        (
            "no inference of special categories from faces, names or text",
            "declared attributes only with explicit consent (Art. 9(2)(a)); withdrawal hides "
            "them at once and deletes them",
        ),
    ),
    Risk(
        "Unfair treatment of groups of creators in discovery and ranking",
        "creators",
        "possible",
        "medium",
        (
            "fairness audits (fairlearn MetricFrame for classifiers, exposure metrics for "
            "rankings) and an optional fair-exposure re-ranking",
        ),
    ),
    Risk(
        "Data kept longer than needed, or resurrected by a re-import",
        "all subjects",
        "possible",
        "medium",
        (
            "every personal-data table declares its purpose and retention in code "
            "(section 3); erasure cascades to derived artefacts and is logged",
        ),
    ),
    Risk(
        "Unauthorised access, or another tenant's data, or an undetected change",
        "all subjects",
        "unlikely",
        "high",
        (
            "every read and write is scoped to one workspace; another workspace's id answers "
            "'not found'",
            "roles (admin, analyst, approver, auditor, creator: own data only)",
            "append-only, hash-chained audit log naming the actor of every decision",
        ),
    ),
)


@dataclass(frozen=True)
class DpiaDraft:
    """The draft as Markdown, and what it was built from."""

    workspace: str
    markdown: str
    tables: tuple[ProcessingEntry, ...]
    models: tuple[ModelEntry, ...]
    counts: dict[str, int | None]


def _workspace_counts(settings: Settings, workspace: str) -> dict[str, int | None]:
    """Rows per personal-data table in ``workspace`` (None: the table is not per workspace)."""
    counts: dict[str, int | None] = {}
    with store(settings) as engine, engine.connect() as connection:
        require_workspace(connection, workspace, settings)
        for entry in processing_register():
            table = metadata.tables[entry.table]
            if "workspace" not in table.c:
                counts[entry.table] = None
                continue
            counts[entry.table] = int(
                connection.execute(
                    select(func.count()).select_from(table).where(table.c.workspace == workspace)
                ).scalar_one()
            )
    return counts


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dpia_draft(
    workspace: str = "default",
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> DpiaDraft:
    """The DPIA draft and record of processing of ``workspace``, as Markdown.

    Raises
    ------
    NotFoundError
        If the store or the workspace does not exist.
    ConfigurationError
        If the workspace slug is not valid.
    """
    settings = settings or get_settings()
    workspace = check_workspace(workspace)
    counts = _workspace_counts(settings, workspace)
    tables = tuple(processing_register())
    models = tuple(model_registry())
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    subjects = sorted({e.declaration.subject for e in tables})
    held = sum(n for n in counts.values() if n)
    lines: list[str] = [
        f"# Data protection impact assessment (draft): workspace `{workspace}`",
        "",
        f"> **Machine-generated draft** by trustreach {__version__} on {when} from the "
        "store's record of processing, the model registry and the workspace's counts. It is "
        "not legal advice: the controller completes sections 8 and 9, reviews every "
        "statement, and signs it.",
        "",
        "| | |",
        "|---|---|",
        f"| Controller | _to be completed_ (the brand or agency using workspace `{workspace}`) |",
        "| DPO consulted | _to be completed_ |",
        f"| Data subjects | {', '.join(subjects)} |",
        f"| Personal-data tables | {len(tables)} ({held:,} rows in this workspace) |",
        f"| Models in use | {len(models)} |",
        "",
        f"## {DPIA_SECTIONS[0]}",
        "",
        "trustreach evaluates creators and their audiences systematically: it scores "
        "follower accounts for signs of being fake, labels comments for sentiment and brand "
        "safety, ranks creators for briefs and flags captions with possible undisclosed "
        "promotion. This is profiling (Art. 4(4)) of people who mostly never signed up "
        "(followers, commenters), at scale, and it can affect whether a creator is "
        "contracted. Systematic and extensive evaluation of personal aspects (Art. 35(3)(a)) "
        "and large-scale processing of third parties make a DPIA necessary (ethics rule P6).",
        "",
        f"## {DPIA_SECTIONS[1]}",
        "",
        "- **Nature:** public social-media data about creators, their followers and "
        "commenters is imported from files a workspace supplies; followers and commenters "
        "are stored under keyed pseudonyms with only the features a model needs; models "
        "give probabilities with explanations; people review, approve and contest.",
        "- **Scope:** the tables and retention periods in section 3; counts of this "
        "workspace's rows beside each.",
        "- **Context:** creators expect brands to vet them; followers and commenters do not "
        "expect to be profiled, so their data is minimised and pseudonymised.",
        "- **Purposes:** audience authenticity, conversation intelligence, discovery, "
        "campaign measurement, disclosure compliance, and the accountability records the "
        "law requires (audit log, consent, rights requests).",
        "",
        f"## {DPIA_SECTIONS[2]}",
        "",
        "| table | subject | purpose | legal basis | retention | rows in workspace |",
        "|---|---|---|---|---|---|",
    ]
    for e in tables:
        d = e.declaration
        n = counts.get(e.table)
        lines.append(
            f"| `{e.table}` | {d.subject} | {_cell(d.purpose)} | {_cell(d.legal_basis)} | "
            f"{_cell(e.retention)} | {'not per workspace' if n is None else f'{n:,}'} |"
        )
    lines += [
        "",
        f"## {DPIA_SECTIONS[3]}",
        "",
        "Every model gives probabilities with their signals, never verdicts; each has a "
        "card with metrics, intervals, calibration and subgroup figures. Licences marked "
        "non-commercial need sign-off before commercial use.",
        "",
        "| model | version | task | card | training data | licence | commercial use |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in models:
        lines.append(
            f"| `{m.name}` | `{m.version}` | {_cell(m.task)} | `{m.card}` | "
            f"{_cell(m.training_data)} | {_cell(m.licence)} | {_cell(m.commercial_use)} |"
        )
    lines += [
        "",
        f"## {DPIA_SECTIONS[4]}",
        "",
        "- Only the fields a purpose needs are kept (section 3 maps every table to one "
        "purpose); raw follower handles, bios and names are not persisted.",
        "- Each table has a retention period or an event that ends it; one scheduled "
        "command enforces them.",
        "- Audience figures shown to brands are aggregates with small buckets suppressed.",
        "- Data subjects are informed and can exercise access, portability, rectification, "
        "erasure and objection (Art. 15-21); requests are logged with their legal deadline.",
        "",
        f"## {DPIA_SECTIONS[5]}",
        "",
        "| risk | data subjects | likelihood | severity |",
        "|---|---|---|---|",
    ]
    for r in RISKS:
        lines.append(f"| {r.risk} | {r.who} | {r.likelihood} | {r.severity} |")
    lines += ["", f"## {DPIA_SECTIONS[6]}", ""]
    for r in RISKS:
        lines.append(f"- **{r.risk}**")
        lines += [f"  - {m}" for m in r.measures]
    lines += [
        "",
        f"## {DPIA_SECTIONS[7]}",
        "",
        "_To be completed by the controller:_ how the views of data subjects or their "
        "representatives were sought (Art. 35(9)), and the DPO's advice (Art. 35(2)).",
        "",
        f"## {DPIA_SECTIONS[8]}",
        "",
        "_To be completed by the controller:_ the residual risk after the measures above. "
        "Where it stays high, consult the supervisory authority before processing (Art. 36).",
        "",
    ]
    return DpiaDraft(
        workspace=workspace,
        markdown="\n".join(lines),
        tables=tables,
        models=models,
        counts=counts,
    )


def write_dpia_draft(
    workspace: str,
    output: Path,
    *,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> DpiaDraft:
    """:func:`dpia_draft` written to ``output`` (Markdown), atomically; the draft.

    The output is checked before any work (refused if it exists, unless
    ``overwrite``); it is written beside its destination and renamed onto it.
    """
    check_output_file(output, option="--output", overwrite=overwrite)
    draft = dpia_draft(workspace, settings=settings)
    with replaced_atomically(output) as partial:
        partial.write_text(draft.markdown, encoding="utf-8")
    return draft
