"""Social text made comparable: the normalisation every text classifier here sees.

The same function runs in training (``scripts/train_text_models.py``) and at
prediction time, so the models never see a form of text they were not trained
on. It is deliberately small and rule-based:

- praise idioms and praise emoji are read as what they mean under a post
  (``killing it`` -> ``doing great``, 🔥 -> ``amazing``;
  :func:`~trustreach.nlp._idioms.read_idioms`);
- HTML entities (``&amp;``) and the literal ``\\u2019``-style escapes of old
  tweet dumps are decoded;
- URLs are removed and ``@mentions`` become ``@user`` (who is addressed is not
  evidence about sentiment, and a handle is personal data);
- a hashtag becomes its word (``#great`` -> ``great``);
- a letter repeated three or more times is cut to two (``soooo`` -> ``soo``),
  so elongated words meet their dictionary form in the n-grams;
- common emoji become words (``😂`` -> `` laughing ``); rarer ones are kept as
  characters, which the character n-grams see;
- everything is lower-cased; the share of upper-case letters among the
  letters is kept as a separate number (:func:`caps_ratio`) for models that
  want it;
- negation is not rewritten: word bigrams see ``not good``.

Examples
--------
>>> normalise("SOOOO #Great!!! 😍 @Someone https://t.co/x &amp; more")
'soo great!!! love @user & more'
>>> normalise("Killing it 🔥")
'doing great amazing'
"""

from __future__ import annotations

import html
import re

from trustreach.nlp._idioms import read_idioms

__all__ = ["EMOJI_WORDS", "caps_ratio", "has_emoji", "normalise", "words"]

#: Common emoji and emoticons mapped to a word the text models know.
EMOJI_WORDS: dict[str, str] = {
    "😂": "laughing",
    "🤣": "laughing",
    "😆": "laughing",
    "😅": "laughing",
    "😄": "smile",
    "😃": "smile",
    "😀": "smile",
    "😁": "smile",
    "😊": "smile",
    "🙂": "smile",
    "☺": "smile",
    "😉": "wink",
    "😍": "love",
    "🥰": "love",
    "😘": "love",
    "❤": "love",
    "♥": "love",
    "💕": "love",
    "💖": "love",
    "💗": "love",
    "💙": "love",
    "💜": "love",
    "💚": "love",
    "🧡": "love",
    "💛": "love",
    "🖤": "love",
    "😻": "love",
    "👍": "good",
    "👌": "good",
    "👏": "applause",
    "🙌": "applause",
    "🔥": "fire",
    "💯": "perfect",
    "✨": "sparkle",
    "🎉": "celebrate",
    "🙏": "thanks",
    "😢": "sad",
    "😭": "crying",
    "😞": "sad",
    "😔": "sad",
    "🙁": "sad",
    "☹": "sad",
    "💔": "heartbroken",
    "😡": "angry",
    "😠": "angry",
    "🤬": "angry",
    "😤": "annoyed",
    "😒": "annoyed",
    "🙄": "eyeroll",
    "👎": "bad",
    "🤮": "disgusting",
    "🤢": "disgusting",
    "😱": "shocked",
    "😮": "surprised",
    "🤔": "thinking",
    "😐": "meh",
    "😑": "meh",
    "💩": "crap",
    ":)": "smile",
    ":-)": "smile",
    ":D": "laughing",
    ":(": "sad",
    ":-(": "sad",
    "<3": "love",
}

_EMOJI_RE = re.compile(
    "|".join(re.escape(k) for k in sorted(EMOJI_WORDS, key=len, reverse=True))
    + r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_ANY_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_ESCAPE = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_ELONGATION = re.compile(r"(\w)\1{2,}")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ASCII_UPPER = re.compile(r"[A-Z]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _escaped(match: re.Match[str]) -> str:
    if match.group(1):  # an escaped surrogate pair (how JSON dumps write emoji)
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    code = int(match.group(3), 16)
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (which no encoder accepts) replaced by U+FFFD.

    >>> without_surrogates("a\\ud800b")
    'a\ufffdb'
    """
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def decode_escapes(text: str) -> str:
    """Decode the literal ``\\u2019``-style escapes of old tweet dumps.

    An escaped surrogate pair is the character it encodes; an escaped lone
    surrogate becomes U+FFFD, never a lone surrogate.

    >>> decode_escapes("can\\\\u2019t \\\\ud83d\\\\ude0d \\\\ud800")
    'can’t 😍 \ufffd'
    """
    return _ESCAPE.sub(_escaped, text) if "\\u" in text else text


def _emoji_word(match: re.Match[str]) -> str:
    word = EMOJI_WORDS.get(match.group(0))
    return f" {word} " if word else f" {match.group(0)} "


def normalise(text: str, *, idioms: bool = True) -> str:
    """The text as the classifiers see it (see the module docstring for the rules).

    Parameters
    ----------
    text : str
        A comment, tweet or caption, any length and script.
    idioms : bool, default True
        Rewrite praise idioms into plain words first (:func:`read_idioms`), as
        the classifiers need; themes pass False so that a theme is always a
        word people wrote.

    Returns
    -------
    str
        Lower-cased, with URLs removed, mentions as ``@user``, hashtags as
        words, elongations cut to two letters and common emoji as words.
    """
    # each rule runs only when its trigger character is present: this is a hot path
    if idioms:
        text = read_idioms(text)
    if "&" in text:
        text = html.unescape(text)
    text = without_surrogates(decode_escapes(text))
    if "http" in text or "www." in text or "HTTP" in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub("@user", text)
    if "#" in text:
        text = _HASHTAG.sub(r"\1", text)
    text = _ELONGATION.sub(r"\1\1", text)
    if not text.isascii() or ":" in text or "<3" in text:
        text = _EMOJI_RE.sub(_emoji_word, text)
    return " ".join(text.split()).lower()


def caps_ratio(text: str) -> float:
    """Share of upper-case letters among the letters (0 when there are none).

    Examples
    --------
    >>> caps_ratio("GREAT job")
    0.625
    """
    if text.isascii():
        letters = _ASCII_LETTER.subn("", text)[1]
        return _ASCII_UPPER.subn("", text)[1] / letters if letters else 0.0
    alpha = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in alpha) / len(alpha) if alpha else 0.0


def has_emoji(text: str) -> bool:
    """Whether the text holds an emoji or pictograph."""
    return _ANY_EMOJI.search(text) is not None


def words(text: str) -> list[str]:
    """The letter words of a normalised text (``@user`` and numbers left out).

    Examples
    --------
    >>> words(normalise("I don't LOVE it @bob, 10/10"))
    ['i', "don't", 'love', 'it']
    """
    return [w for w in _WORD.findall(_MENTION.sub(" ", text))]
