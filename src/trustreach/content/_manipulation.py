"""The manipulation check of a draft caption: engagement bait, false urgency, fake scarcity.

Each detector is a small class run on rules that are data (``manipulation.toml`` in
this package: patterns, the policies a hit risks with their sources, a message and a
fix), collected in a :class:`ManipulationRules` registry, like presidio's recognizers
and the disclosure rules. Every hit is a :class:`ManipulationFinding` with the rule
id, the evidence and its character offsets in the caption, the policies it risks and
a suggested fix: evidence for a person to review, never a verdict; a person decides.

- ``phrase``: any pattern found is a hit (engagement bait, scarcity claims);
- ``undated_claim``: a hit unless the caption says when the claim ends, with a date
  or time in the same sentence or an end word followed by one anywhere ("last
  chance to see our summer show — ends 30 June" is dated, so not flagged).
"""

from __future__ import annotations

import re
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal

from trustreach.core import ConfigurationError, read_toml

Kind = Literal["engagement_bait", "false_urgency", "fake_scarcity"]
KINDS: tuple[Kind, ...] = ("engagement_bait", "false_urgency", "fake_scarcity")
"""The tactics the check looks for."""

_SENTENCE_END = re.compile(r"[.!?\n]+")


@dataclass(frozen=True)
class Policy:
    """A policy a hit risks: what it says in plain words and its public source."""

    policy_id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class ManipulationFinding:
    """One rule's hit in a caption.

    ``span`` is the (start, end) character offsets of ``evidence`` in the caption;
    ``policies`` the policies it risks, each with its source.
    """

    rule_id: str
    kind: Kind
    title: str
    evidence: str
    span: tuple[int, int]
    message: str
    fix: str
    policies: tuple[Policy, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "title": self.title,
            "evidence": self.evidence,
            "span": list(self.span),
            "message": self.message,
            "fix": self.fix,
            "policies": [
                {"policy_id": p.policy_id, "title": p.title, "source": p.source}
                for p in self.policies
            ],
        }


@dataclass(frozen=True)
class _Dates:
    date: tuple[re.Pattern[str], ...]
    end_words: tuple[re.Pattern[str], ...]

    def in_text(self, text: str) -> bool:
        return any(p.search(text) for p in self.date)

    def states_an_end(self, caption: str) -> bool:
        """An end word followed by a date or time within a few words."""
        for word in self.end_words:
            for m in word.finditer(caption):
                if self.in_text(caption[m.end() : m.end() + 40]):
                    return True
        return False


@dataclass(frozen=True)
class Detector(ABC):
    """One rule of ``manipulation.toml`` with its compiled patterns."""

    rule_id: str
    kind: Kind
    title: str
    patterns: tuple[re.Pattern[str], ...]
    policies: tuple[Policy, ...]
    message: str
    fix: str

    name: ClassVar[str] = ""

    def _hits(self, caption: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for pattern in self.patterns:
            for m in pattern.finditer(caption):
                start, end = m.span()
                while start < end and caption[start].isspace():
                    start += 1
                while end > start and caption[end - 1].isspace():
                    end -= 1
                if end > start and not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
        return sorted(spans)

    @abstractmethod
    def analyze(self, caption: str, dates: _Dates) -> list[ManipulationFinding]:
        """The hits of this rule in ``caption``."""

    def _finding(self, caption: str, span: tuple[int, int]) -> ManipulationFinding:
        return ManipulationFinding(
            rule_id=self.rule_id,
            kind=self.kind,
            title=self.title,
            evidence=caption[span[0] : span[1]],
            span=span,
            message=self.message,
            fix=self.fix,
            policies=self.policies,
        )


@dataclass(frozen=True)
class PhraseDetector(Detector):
    """Any pattern found is a hit."""

    name: ClassVar[str] = "phrase"

    def analyze(self, caption: str, dates: _Dates) -> list[ManipulationFinding]:
        """One finding per non-overlapping match."""
        return [self._finding(caption, span) for span in self._hits(caption)]


def _sentence(caption: str, start: int, end: int) -> str:
    lo = 0
    for m in _SENTENCE_END.finditer(caption, 0, start):
        lo = m.end()
    hit = _SENTENCE_END.search(caption, end)
    return caption[lo : hit.start() if hit else len(caption)]


@dataclass(frozen=True)
class UndatedClaimDetector(Detector):
    """A hit unless the caption says when the claim ends (see the module docstring)."""

    name: ClassVar[str] = "undated_claim"

    def analyze(self, caption: str, dates: _Dates) -> list[ManipulationFinding]:
        """Matches left after dated ones (date in the sentence, or a stated end)."""
        spans = self._hits(caption)
        if not spans or dates.states_an_end(caption):
            return []
        return [
            self._finding(caption, (s, e))
            for s, e in spans
            if not dates.in_text(_sentence(caption, s, e))
        ]


DETECTORS: dict[str, type[Detector]] = {
    PhraseDetector.name: PhraseDetector,
    UndatedClaimDetector.name: UndatedClaimDetector,
}
"""Detector classes by the ``detector`` name a rule gives."""


@dataclass(frozen=True)
class ManipulationRules:
    """The registry: every detector and policy of one rules file, and its version."""

    version: str
    detectors: tuple[Detector, ...]
    policies: Mapping[str, Policy]
    dates: _Dates

    def select(self, rule_ids: Iterable[str]) -> ManipulationRules:
        """Only these rules (unknown ids are refused, naming the known ones)."""
        wanted = list(rule_ids)
        known = {d.rule_id for d in self.detectors}
        bad = [r for r in wanted if r not in known]
        if bad:
            raise ConfigurationError(
                f"manipulation rule {bad[0]!r} not known; allowed: {', '.join(sorted(known))}"
            )
        return ManipulationRules(
            self.version,
            tuple(d for d in self.detectors if d.rule_id in wanted),
            self.policies,
            self.dates,
        )

    def check(self, caption: str) -> tuple[ManipulationFinding, ...]:
        """Every hit of every rule in ``caption``, in caption order.

        >>> found = manipulation_rules().check("Comment YES to win! Only 3 left.")
        >>> [f.rule_id for f in found]
        ['BAIT-COMMENT', 'BAIT-PRIZE', 'SCARCITY-STOCK']
        >>> found[-1].evidence, found[-1].span
        ('Only 3 left', (20, 31))
        """
        found = [f for d in self.detectors for f in d.analyze(caption, self.dates)]
        return tuple(sorted(found, key=lambda f: (f.span[0], f.rule_id)))


def _compile(patterns: Sequence[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise ConfigurationError(
                f"{where}: pattern {p!r} is not a valid regex ({exc})"
            ) from None
    return tuple(out)


def parse_manipulation_rules(data: Mapping[str, Any]) -> ManipulationRules:
    """Build the registry from parsed TOML, checking every rule's fields."""
    if "version" not in data:
        raise ConfigurationError("manipulation rules lack 'version'")
    policies: dict[str, Policy] = {}
    for raw in data.get("policy", []):
        missing = [k for k in ("id", "title", "text", "source") if k not in raw]
        if missing:
            raise ConfigurationError(f"manipulation policy {raw.get('id')!r} lacks {missing}")
        policies[raw["id"]] = Policy(raw["id"], raw["title"], raw["text"], raw["source"])
    raw_dates = data.get("dates", {})
    dates = _Dates(
        _compile(raw_dates.get("date", []), "[dates] date"),
        _compile(raw_dates.get("end_words", []), "[dates] end_words"),
    )
    detectors: list[Detector] = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        rid = raw.get("id")
        missing = [
            k
            for k in ("id", "kind", "detector", "title", "patterns", "policies", "message", "fix")
            if k not in raw
        ]
        if missing:
            raise ConfigurationError(f"manipulation rule {rid!r} lacks {missing}")
        if rid in seen:
            raise ConfigurationError(f"manipulation rule id {rid} appears twice")
        seen.add(rid)
        if raw["kind"] not in KINDS:
            raise ConfigurationError(
                f"rule {rid}: kind {raw['kind']!r} not allowed; allowed: {', '.join(KINDS)}"
            )
        cls = DETECTORS.get(raw["detector"])
        if cls is None:
            raise ConfigurationError(
                f"rule {rid}: detector {raw['detector']!r} not allowed; "
                f"allowed: {', '.join(DETECTORS)}"
            )
        unknown = [p for p in raw["policies"] if p not in policies]
        if unknown:
            raise ConfigurationError(
                f"rule {rid}: policy {unknown[0]!r} not defined; defined: {', '.join(policies)}"
            )
        detectors.append(
            cls(
                rule_id=rid,
                kind=raw["kind"],
                title=raw["title"],
                patterns=_compile(raw["patterns"], f"rule {rid}"),
                policies=tuple(policies[p] for p in raw["policies"]),
                message=raw["message"],
                fix=raw["fix"],
            )
        )
    return ManipulationRules(str(data["version"]), tuple(detectors), policies, dates)


@cache
def manipulation_rules() -> ManipulationRules:
    """The shipped rules (``manipulation.toml`` in this package), read once."""
    text = resources.files(__package__).joinpath("manipulation.toml").read_text(encoding="utf-8")
    return parse_manipulation_rules(tomllib.loads(text))


def load_manipulation_rules(path: str | Path) -> ManipulationRules:
    """Rules from a TOML file shaped like the shipped one (a reviewed copy)."""
    p = Path(path)
    data = read_toml(p, "manipulation rules")
    try:
        return parse_manipulation_rules(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigurationError(f"manipulation rules {p}: {exc}") from None


def check_manipulation(
    caption: str, *, rules: ManipulationRules | None = None
) -> tuple[ManipulationFinding, ...]:
    """Engagement bait, false urgency and fake scarcity in a draft caption.

    Parameters
    ----------
    caption : str
        The draft's caption.
    rules : ManipulationRules or None
        A registry to use instead of the shipped rules.

    Returns
    -------
    tuple of ManipulationFinding
        Every hit, in caption order, each with its rule id, evidence span, the
        policies it risks and a fix. Empty when nothing was found.

    Examples
    --------
    >>> [f.rule_id for f in check_manipulation("Last chance! Tag 3 friends")]
    ['URGENCY-UNDATED', 'BAIT-TAG']
    >>> check_manipulation("Last chance to see our summer show — ends 30 June")
    ()
    """
    return (rules or manipulation_rules()).check(caption)
