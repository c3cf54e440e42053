"""Social-media praise said in other words: idioms and emoji read as what they mean.

Every text model here learned from tweets labelled years ago, where "killing"
is violence, "fire" is a disaster and 🔥 is read as the word "fire". Under a
creator's post the same words are praise: "killing it", "slay", "this is
fire", "obsessed", "underrated", 🔥 and 👏. Left alone, they make praise read
as negative or offensive (``Killing it as usual!! 👏👏`` was negative, "You're
killing it queen 👑" was flagged offensive).

:func:`read_idioms` rewrites these idioms into plain words the models know,
before any model sees the text. It runs inside
:func:`~trustreach.nlp._normalise.normalise` (the fast tiers, in training and
prediction), inside the accurate tiers' preparation
(:func:`trustreach.nlp._accurate.prepare_text`) and before VADER (lexicon
tier), so every sentiment and brand-safety tier reads the same text. The rules
(:data:`IDIOMS`, :data:`EMOJI_MEANINGS`) are deliberately narrow:

- an idiom is rewritten only in its idiomatic form: "kill/killing/killed it"
  (the object is *it*; "killing you" is untouched), "slay" in any form, "fire"
  only as a predicate or a whole comment ("this is fire", "so fire", "Fire!!",
  not "the fire spread"), "obsessed" when the speaker is ("I'm obsessed",
  "Obsessed!!", "obsessed with this"), "underrated", "the bomb";
- two criticism idioms the models miss ("not a fan", "seen better") are
  rewritten the same way;
- a few emoji that mean praise under a post (🔥 💯 👏 🙌) become praise words;
  other emoji are left to each tier's own emoji map.

Threats keep their words: "I will kill you" and "the house is on fire" read
as before. The measured effect (label accuracy on the synthetic world's
comments, offensive flags on praise, validation scores before and after) is
in ``docs/models/sentiment_fast.md`` and ``docs/models/brand_safety.md``;
``benchmarks/bench_conversation_labels.py`` reproduces it.

Examples
--------
>>> read_idioms("Killing it as usual!! 👏👏")
'doing great as usual!!  well done  well done '
>>> read_idioms("You're killing it queen")
"You're doing great queen"
>>> read_idioms("I will kill you")
'I will kill you'
>>> read_idioms("The fire spread fast")
'The fire spread fast'
"""

from __future__ import annotations

import re

__all__ = ["EMOJI_MEANINGS", "IDIOMS", "read_idioms"]

_I = re.IGNORECASE

#: (pattern, replacement) in the order they are applied; case-insensitive.
IDIOMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:killing|killin'?)\s+it\b", _I), "doing great"),
    (re.compile(r"\bkilled\s+it\b", _I), "did great"),
    (re.compile(r"\bkills\s+it\b", _I), "does great"),
    (re.compile(r"\bkill\s+it\b(?!\s+(?:with\s+fire|off|now)\b)", _I), "do great"),
    (re.compile(r"\bsla+y+(?:s|ed|ing|in'?)?\b", _I), "amazing"),
    (
        re.compile(
            r"\b(is|so|straight|pure|absolute|absolutely|lowkey|kinda|literally|looks?|"
            r"sounds?|was|'s|’s)(\s+)fire\b(?!\s+(?:alarm|truck|fighters?|department|drill|"
            r"hazard|risk|damage|station|exit)\b)",
            _I,
        ),
        r"\1\2amazing",
    ),
    (re.compile(r"^(\W*)fire+\b(?=[\W]*$)", _I), r"\1amazing"),
    (
        re.compile(
            r"\b(i'm|i’m|im|i am|so|literally|totally|absolutely|lowkey|highkey|already|"
            r"officially)(\s+)obsessed\b",
            _I,
        ),
        r"\1\2in love",
    ),
    (re.compile(r"^(\W*)obsessed\b", _I), r"\1in love"),
    (
        re.compile(r"\bobsessed(\s+with\s+(?:this|it|that|these|the|your|my|ur)\b)", _I),
        r"in love\1",
    ),
    (re.compile(r"\b(?:so\s+)?underrated\b", _I), "so good"),
    (re.compile(r"\b(?:the|da)\s+bomb\b(?!\s+(?:threat|squad|attack|scare)\b)", _I), "amazing"),
    (re.compile(r"\bnot\s+(?:a|the\s+biggest)\s+fan\b", _I), "do not like"),
    (re.compile(r"\b(?:i've|i’ve|ive|have)?\s*seen\s+better\b", _I), " disappointing, seen better"),
)

#: Emoji that mean praise under a post, and the word the models read instead.
EMOJI_MEANINGS: dict[str, str] = {
    "🔥": "amazing",
    "💯": "perfect",
    "👏": "well done",
    "🙌": "great",
}
_EMOJI = re.compile("|".join(re.escape(e) for e in EMOJI_MEANINGS))
_TRIGGERS = ("kill", "sla", "fire", "obsess", "underrated", "bomb", "fan", "seen better")


def read_idioms(text: str) -> str:
    """``text`` with praise idioms and praise emoji in plain words (rules in the module doc).

    Parameters
    ----------
    text : str
        A raw comment.

    Returns
    -------
    str
        The comment with :data:`IDIOMS` and :data:`EMOJI_MEANINGS` rewritten;
        everything else (case, punctuation, other emoji) unchanged.
    """
    if not text.isascii() and _EMOJI.search(text):
        text = _EMOJI.sub(lambda m: f" {EMOJI_MEANINGS[m.group(0)]} ", text)
    lowered = text.lower()
    if not any(t in lowered for t in _TRIGGERS):
        return text
    for pattern, replacement in IDIOMS:
        text = pattern.sub(replacement, text)
    return text
