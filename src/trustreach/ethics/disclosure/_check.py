"""The engine: one post's facts in, a :class:`PostVerdict` out (pure; no store).

For each requested jurisdiction the checks of ``rules.toml`` run on the caption:

- **trigger**: a material connection (a deal, gift, affiliate code, a campaign post or
  the platform's paid-partnership flag) needs a disclosure;
- **wording**: the words found are accepted, weak (advised against: a person
  decides) or rejected (ambiguous: they do not disclose);
- **placement**: an accepted word must start before the platform's truncation point
  and before the trailing hashtag block (or be its first or second tag);
- **platform_label**: the paid-partnership flag with no disclosure in the caption goes
  to review (the label alone is not enough by itself, D4/D10);
- **medium**: a video or story's own disclosure, when the post's metadata says;
- **ai_label**, **virtual_persona**, **ai_manifest**: AI-generated or AI-altered content
  labelled, a virtual creator saying it is not human, and a supplied media file's C2PA
  manifest compared with the declaration.

A post's status is the worst of its findings (non_compliant > needs_review >
compliant > not_applicable).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from trustreach.ethics.disclosure._rules import (
    Rule,
    RuleBook,
    parse_jurisdictions,
    phrase_pattern,
    rulebook,
)
from trustreach.ethics.disclosure._types import Finding, PostVerdict, Status

_RANK: dict[str, int] = {
    "not_applicable": 0,
    "compliant": 1,
    "needs_review": 2,
    "non_compliant": 3,
}
VIDEO_MEDIA = frozenset({"video", "reel", "short", "story", "live"})
"""Media types whose disclosure belongs in the content itself (D4)."""

# the trailing hashtag block: hashtags (and separator lines of dots) up to the end
_TRAILING_TAGS = re.compile(r"(?:[\s.·•|_\-]*#[\w]+)+[\s.·•|_\-]*\Z")
_TAG = re.compile(r"#[\w]+")

ManifestFinding = Literal["ai", "not_ai", "none", "unreadable"]


@dataclass(frozen=True)
class Connection:
    """A material connection between the post's creator and a brand.

    ``kind``: ``deal`` (with its ``compensation``), ``affiliate_code``,
    ``campaign`` (the post is filed under a campaign) or ``paid_partnership_flag``.
    """

    kind: str
    detail: str


@dataclass(frozen=True)
class PostFacts:
    """What the engine knows of one post.

    ``disclosure_in_video`` / ``spoken_disclosure``: whether the video or story shows
    or says the disclosure itself (None: not known). ``media_manifest``: what a
    supplied media file's C2PA manifest says (None: no media file supplied).
    """

    post_id: str
    caption: str | None
    platform: str | None = None
    media_type: str | None = None
    paid_partnership: bool = False
    connections: tuple[Connection, ...] = ()
    brand_names: tuple[str, ...] = ()
    disclosure_in_video: bool | None = None
    spoken_disclosure: bool | None = None
    ai_generated: bool = False
    ai_altered: bool = False
    virtual_creator: bool = False
    media_manifest: ManifestFinding | None = None
    creator_id: str | None = None
    campaign_id: str | None = None


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str


def worst(statuses: Sequence[Status]) -> Status:
    """The worst of ``statuses`` (``not_applicable`` when empty).

    >>> worst(["compliant", "needs_review"])
    'needs_review'
    """
    out: Status = "not_applicable"
    for s in statuses:
        if _RANK[s] > _RANK[out]:
            out = s
    return out


def _brand_key(name: str) -> str:
    return re.sub(r"[^\w]", "", name.lower())


_Patterns = tuple[re.Pattern[str] | None, re.Pattern[str] | None, re.Pattern[str] | None]
_CACHE: dict[tuple[str, str, tuple[str, ...]], _Patterns] = {}


def _patterns(book: RuleBook, jurisdiction: str, brands: tuple[str, ...]) -> _Patterns:
    """The compiled (accepted, weak, rejected) patterns, kept per rules version and brands."""
    key = (book.version, jurisdiction, brands)
    if key not in _CACHE:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = _compile(book, jurisdiction, brands)
    return _CACHE[key]


@lru_cache(maxsize=64)
def _labels(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    return phrase_pattern(phrases)


def _compile(book: RuleBook, jurisdiction: str, brands: tuple[str, ...]) -> _Patterns:
    w = book.wording[jurisdiction]
    accepted = phrase_pattern(w.accepted)
    extra = [p.replace("{brand}", re.escape(b)) for p in w.brand_patterns for b in brands if b]
    if extra:
        core = accepted.pattern if accepted else r"(?!x)x"
        brand_alt = r"(?<![\w#@])#?(?:" + "|".join(extra) + r")(?![\w-])"
        accepted = re.compile(f"{core}|{brand_alt}", re.IGNORECASE)
    return accepted, phrase_pattern(w.weak), phrase_pattern(w.rejected)


def _hits(pattern: re.Pattern[str] | None, text: str) -> list[_Hit]:
    if pattern is None:
        return []
    return [_Hit(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


class _Layout:
    """Where a caption's reader looks: the truncation point and the hashtag block."""

    def __init__(self, caption: str, cut: int) -> None:
        self.cut = cut
        m = _TRAILING_TAGS.search(caption)
        self.block_start = len(caption)
        self.block_tags: list[int] = []
        if m is not None:
            tags = list(_TAG.finditer(caption, m.start()))
            if tags:
                self.block_start = tags[0].start()
                self.block_tags = [t.start() for t in tags]

    def visible(self, hit: _Hit) -> bool:
        """Before the cut, and before the trailing block or its first or second tag."""
        if hit.start >= self.cut:
            return False
        if hit.start < self.block_start:
            return True
        return hit.start in self.block_tags[:2]

    def why_hidden(self, hit: _Hit) -> str:
        if hit.start >= self.cut:
            return f"it starts at character {hit.start}, after the {self.cut} shown before 'more'"
        return "it is buried in the hashtag block at the end of the caption"


def _finding(
    rule: Rule,
    status: Status,
    message: str,
    caption: str,
    hit: _Hit | None = None,
    fix: str | None = None,
) -> Finding:
    return Finding(
        rule_id=rule.rule_id,
        jurisdiction=rule.jurisdiction,
        status=status,
        message=message,
        source=rule.source,
        evidence=caption[hit.start : hit.end] if hit is not None else None,
        span=(hit.start, hit.end) if hit is not None else None,
        fix=(fix if fix is not None else rule.fix) if status != "compliant" else None,
    )


def _video_says(facts: PostFacts) -> bool | None:
    values = [v for v in (facts.disclosure_in_video, facts.spoken_disclosure) if v is not None]
    if not values:
        return None
    return any(values)


def _sponsorship(
    book: RuleBook, jurisdiction: str, facts: PostFacts, caption: str, layout: _Layout
) -> list[Finding]:
    rule = {c: book.rule(jurisdiction, c) for c in ("trigger", "wording", "placement")}
    trigger, wording, placement = rule["trigger"], rule["wording"], rule["placement"]
    label, medium = book.rule(jurisdiction, "platform_label"), book.rule(jurisdiction, "medium")
    if trigger is None or wording is None or placement is None:
        return []
    brands = tuple(sorted({_brand_key(b) for b in facts.brand_names if _brand_key(b)}))
    accepted_re, weak_re, rejected_re = _patterns(book, jurisdiction, brands)
    accepted = _hits(accepted_re, caption)
    weak = _hits(weak_re, caption)
    rejected = _hits(rejected_re, caption)
    shown = [h for h in accepted if layout.visible(h)]
    weak_shown = [h for h in weak if layout.visible(h)]
    video = _video_says(facts) if facts.media_type in VIDEO_MEDIA else None
    link = "; ".join(c.detail for c in facts.connections)
    out: list[Finding] = []
    disclosed = bool(accepted or weak or facts.paid_partnership or video)
    if disclosed:
        out.append(_finding(trigger, "compliant", f"Material connection ({link}).", caption))
    else:
        out.append(
            _finding(
                trigger,
                "non_compliant",
                f"No disclosure found, but the post has a material connection ({link}).",
                caption,
            )
        )
    if shown:
        hit = shown[0]
        out.append(_finding(wording, "compliant", f"Accepted wording '{hit.text}'.", caption, hit))
        out.append(_finding(placement, "compliant", "Shown before 'more'.", caption, hit))
    elif accepted:
        hit = accepted[0]
        out.append(
            _finding(
                placement,
                "non_compliant",
                f"'{hit.text}' is in the caption but a reader may not see it: "
                f"{layout.why_hidden(hit)}.",
                caption,
                hit,
                fix=f"Move '{hit.text}' to the start of the caption, before the other text "
                "and hashtags.",
            )
        )
    elif weak_shown:
        hit = weak_shown[0]
        out.append(
            _finding(
                wording,
                "needs_review",
                f"'{hit.text}' is wording the regulator advises against for ads; a person "
                "decides whether it is clear enough here.",
                caption,
                hit,
            )
        )
    elif weak:
        hit = weak[0]
        out.append(
            _finding(
                placement,
                "non_compliant",
                f"'{hit.text}' is in the caption but {layout.why_hidden(hit)}.",
                caption,
                hit,
                fix=f"Put 'Ad' at the start of the caption instead of '{hit.text}' at the end.",
            )
        )
    elif rejected and not facts.paid_partnership and not video:
        hit = rejected[0]
        out.append(
            _finding(
                wording,
                "non_compliant",
                f"'{hit.text}' is ambiguous wording and does not disclose the connection.",
                caption,
                hit,
            )
        )
    if label is not None and facts.paid_partnership:
        if shown:
            out.append(
                _finding(label, "compliant", "Platform label and caption both say it.", caption)
            )
        elif not accepted and not weak:
            vague = rejected[0] if rejected else None
            seen = f" The caption says only '{vague.text}' (ambiguous)." if vague else ""
            out.append(
                _finding(
                    label,
                    "needs_review",
                    "Only the platform's paid-partnership label discloses the connection; "
                    "the label alone is not enough by itself." + seen,
                    caption,
                    vague,
                )
            )
    if medium is not None and video is not None:
        if video:
            out.append(_finding(medium, "compliant", "The content itself discloses.", caption))
            if not accepted and not weak and not facts.paid_partnership:
                out.append(
                    _finding(
                        placement,
                        "needs_review",
                        "Disclosed in the video only; readers of the caption may miss it.",
                        caption,
                    )
                )
        else:
            out.append(
                _finding(
                    medium,
                    "non_compliant",
                    "The post's metadata says the video or story itself does not disclose; "
                    "a description alone is not enough.",
                    caption,
                )
            )
    return out


def _ai(
    book: RuleBook, jurisdiction: str, facts: PostFacts, caption: str, layout: _Layout
) -> list[Finding]:
    out: list[Finding] = []
    declared = facts.ai_generated or facts.ai_altered
    label_rule = book.rule(jurisdiction, "ai_label")
    if label_rule is not None and (declared or facts.media_manifest == "ai"):
        hits = _hits(_labels(book.ai_labels), caption)
        shown = [h for h in hits if layout.visible(h)]
        what = "AI-generated" if facts.ai_generated else "AI-altered"
        if not declared:
            what = "AI-generated (per its C2PA manifest)"
        if shown:
            out.append(
                _finding(
                    label_rule,
                    "compliant",
                    f"{what} content labelled '{shown[0].text}'.",
                    caption,
                    shown[0],
                )
            )
        elif hits:
            out.append(
                _finding(
                    label_rule,
                    "non_compliant",
                    f"{what} content; the label '{hits[0].text}' is there but "
                    f"{layout.why_hidden(hits[0])}.",
                    caption,
                    hits[0],
                    fix=f"Move '{hits[0].text}' to the start of the caption.",
                )
            )
        else:
            out.append(
                _finding(
                    label_rule,
                    "non_compliant",
                    f"The post is declared {what} but the caption has no AI label.",
                    caption,
                )
            )
    persona = book.rule(jurisdiction, "virtual_persona")
    if persona is not None and facts.virtual_creator:
        hits = _hits(_labels(book.virtual_labels), caption)
        if hits:
            out.append(
                _finding(
                    persona,
                    "compliant",
                    f"The virtual creator says '{hits[0].text}'.",
                    caption,
                    hits[0],
                )
            )
        else:
            out.append(
                _finding(
                    persona,
                    "needs_review",
                    "The creator is declared virtual (not human) and the caption does not say "
                    "so; a person checks the profile and the content.",
                    caption,
                )
            )
    manifest = book.rule(jurisdiction, "ai_manifest")
    if manifest is not None and facts.media_manifest is not None:
        m = facts.media_manifest
        if m == "ai" and not declared:
            out.append(
                _finding(
                    manifest,
                    "needs_review",
                    "The media's C2PA manifest says it was made by a generative AI system; "
                    "the post does not declare AI content.",
                    caption,
                )
            )
        elif m == "ai":
            out.append(_finding(manifest, "compliant", "C2PA manifest marks it AI-made.", caption))
        elif declared and m in ("none", "unreadable"):
            word = "no C2PA manifest" if m == "none" else "an unreadable C2PA manifest"
            out.append(
                _finding(
                    manifest,
                    "needs_review",
                    f"Declared AI content; the media file has {word} (no machine-readable "
                    "mark found; the mark is the generating tool provider's duty).",
                    caption,
                )
            )
        elif declared:
            out.append(
                _finding(
                    manifest,
                    "needs_review",
                    "Declared AI content; the media's C2PA manifest does not say AI made it.",
                    caption,
                )
            )
    return out


def check_post(
    facts: PostFacts,
    jurisdictions: Sequence[str] | None = None,
    *,
    book: RuleBook | None = None,
) -> PostVerdict:
    """Check one post against the rules of ``jurisdictions`` (None: all).

    >>> facts = PostFacts(
    ...     "p1", "Loving this serum from @glow",
    ...     platform="instagram", connections=(Connection("deal", "deal d1: gift"),),
    ... )
    >>> v = check_post(facts, ["us"])
    >>> v.status, [f.rule_id for f in v.findings]
    ('non_compliant', ['D1-US'])
    >>> check_post(PostFacts("p2", "#ad Loving this serum from @glow",
    ...     connections=facts.connections), ["us"]).status
    'compliant'
    """
    book = book or rulebook()
    wanted = parse_jurisdictions(jurisdictions)
    caption = facts.caption or ""
    layout = _Layout(caption, book.truncation_point(facts.platform))
    connections = facts.connections
    if facts.paid_partnership and not any(c.kind == "paid_partnership_flag" for c in connections):
        connections = (*connections, Connection("paid_partnership_flag", "paid-partnership flag"))
        facts = replace(facts, connections=connections)
    findings: list[Finding] = []
    for j in wanted:
        if connections:
            findings.extend(_sponsorship(book, j, facts, caption, layout))
        findings.extend(_ai(book, j, facts, caption, layout))
    return PostVerdict(
        post_id=facts.post_id,
        status=worst([f.status for f in findings]),
        findings=findings,
        creator_id=facts.creator_id,
        campaign_id=facts.campaign_id,
        caption=facts.caption,
    )
