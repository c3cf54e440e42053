"""Invented usernames with an exact length and digit count (vectorised)."""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from trustreach.synth._params import IntArray

_MAX_NAME = 30  # Instagram's username limit
# Username lexicon: first parts (given names and nicknames from many languages)
# and second parts (interests, places, filler words); combined into stems.
_FIRST = [
    "anna",
    "maria",
    "lena",
    "sofia",
    "mia",
    "emma",
    "lucas",
    "noah",
    "liam",
    "omar",
    "ali",
    "yusuf",
    "aisha",
    "fatima",
    "priya",
    "arjun",
    "ravi",
    "kenji",
    "yuki",
    "mei",
    "wei",
    "chen",
    "lin",
    "kim",
    "minji",
    "jisoo",
    "hana",
    "sara",
    "leo",
    "max",
    "ben",
    "sam",
    "alex",
    "jo",
    "kai",
    "nina",
    "rosa",
    "ana",
    "pedro",
    "joao",
    "diego",
    "carlos",
    "luis",
    "marta",
    "elif",
    "emre",
    "can",
    "zoe",
    "chloe",
    "lea",
    "jules",
    "tom",
    "jack",
    "ella",
    "grace",
    "ivy",
    "olu",
    "ada",
    "kofi",
    "amara",
    "zara",
    "nia",
    "mateo",
    "sven",
    "lars",
    "ingrid",
    "niko",
    "dani",
    "rio",
    "luna",
    "sky",
]
_SECOND = [
    "photo",
    "photos",
    "daily",
    "life",
    "vibes",
    "travel",
    "travels",
    "eats",
    "food",
    "foodie",
    "style",
    "fit",
    "runs",
    "art",
    "design",
    "music",
    "beats",
    "official",
    "world",
    "diary",
    "studio",
    "home",
    "garden",
    "books",
    "reads",
    "coffee",
    "tea",
    "cooks",
    "bakes",
    "plays",
    "games",
    "gamer",
    "tech",
    "codes",
    "crafts",
    "makeup",
    "beauty",
    "looks",
    "wear",
    "shop",
    "official",
    "sunset",
    "ocean",
    "moon",
    "star",
    "rose",
    "wild",
    "forest",
    "city",
    "nyc",
    "london",
    "paris",
    "berlin",
    "mumbai",
    "lagos",
    "tokyo",
    "rio",
    "mx",
]
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


@cache
def _lexicon() -> tuple[npt.NDArray[np.uint8], IntArray]:
    """Username stems as a padded byte matrix, sorted by natural length."""
    stems = list(_FIRST)
    for a in _FIRST:
        for b in _SECOND:
            stems.extend((a + b, f"{a}.{b}", f"{a}_{b}", b + a))
    stems = sorted(set(stems), key=lambda s: (len(s), s))
    pad_rng = np.random.Generator(np.random.PCG64(20240101))
    mat = np.empty((len(stems), _MAX_NAME), dtype=np.uint8)
    nat = np.empty(len(stems), dtype=np.int64)
    for i, stem in enumerate(stems):
        # pad a short stem with more words ("lenaruns" -> "lenarunsdailyart")
        words = pad_rng.choice(len(_SECOND), 8)
        raw = (stem + "".join(_SECOND[w] for w in words)).encode("ascii")[:_MAX_NAME]
        mat[i] = np.frombuffer(raw.ljust(_MAX_NAME, b"x"), dtype=np.uint8)
        nat[i] = min(len(stem), _MAX_NAME)
    return mat, nat


def usernames(
    length: IntArray, digits: IntArray, rng: np.random.Generator
) -> tuple[npt.NDArray[np.bytes_], IntArray, IntArray]:
    """Invent usernames with exactly ``length`` characters and ``digits`` digits."""
    n = length.size
    length = np.clip(length, 3, _MAX_NAME)
    digits = np.clip(digits, 0, length - 2)
    letters = length - digits
    stems, nat = _lexicon()
    # a stem of exactly the letter part's length where one exists; else a
    # longer one cut to size, or (past the longest stem) one padded with words
    first = np.searchsorted(nat, letters, side="left")
    stop = np.searchsorted(nat, letters, side="right")
    stop = np.where(stop > first, stop, nat.size)
    first = np.where(first >= nat.size, 0, first)
    idx = first + (rng.random(n) * (stop - first)).astype(np.int64)
    mat = stems[idx]
    pos = np.arange(_MAX_NAME)[None, :]
    last = mat[np.arange(n), letters - 1]
    fix = (last == ord(".")) | (last == ord("_"))
    mat[np.flatnonzero(fix), letters[fix] - 1] = ord("a")
    with_digits = np.flatnonzero(digits > 0)
    if with_digits.size:
        width = int(digits.max())
        block = _DIGITS[rng.integers(0, 10, (with_digits.size, width), dtype=np.uint8)]
        sub = mat[with_digits]
        cols = letters[with_digits, None] + np.arange(width)[None, :]
        inside = np.arange(width)[None, :] < digits[with_digits, None]
        r, c = np.nonzero(inside)
        sub[r, cols[r, c]] = block[r, c]
        mat[with_digits] = sub
    mat[pos >= length[:, None]] = 0
    names = np.ascontiguousarray(mat).view(f"S{_MAX_NAME}").ravel()
    return names, length.astype(np.int64), digits.astype(np.int64)
