"""Features of one follower account for the fake-account model, and their plain words.

The model reads only counts, flags and lengths that the importer keeps about a
follower account (see ``FollowerAccountRecord``); never a raw handle, name or bio.
Any field may be missing: a missing field, and every derived feature that needs
it, is ``NaN``, and the model was trained to work with what is there.

``full_name_length`` and ``has_external_url`` are accepted in the input but are not
model features: the training data (InstaFake, 2019) does not record them, so the
model could learn nothing from them.

Trees are unchanged by monotone transforms, so raw counts are used rather than
``log1p`` counts; the derived features are log-ratios and a share, which carry
information a single count does not.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import polars as pl

__all__ = [
    "BASE_FIELDS",
    "FEATURES",
    "FEATURE_INPUTS",
    "MINIMAL_FIELDS",
    "MONOTONE_DIRECTIONS",
    "REQUIRED_FIELDS",
    "SIGNAL_WORDS",
    "UNUSED_FIELDS",
    "account_features",
    "describe_contribution",
    "sufficient_data",
]

COUNT_FIELDS: Final = (
    "posts_count",
    "followers_count",
    "following_count",
    "biography_length",
    "username_length",
    "username_digit_count",
)
FLAG_FIELDS: Final = ("has_profile_pic", "is_private")

#: Follower-account fields the model reads, as stored.
BASE_FIELDS: Final[tuple[str, ...]] = (
    "posts_count",
    "followers_count",
    "following_count",
    "has_profile_pic",
    "is_private",
    "biography_length",
    "username_length",
    "username_digit_count",
)

#: Fields accepted and checked but not used by the model (absent from its training data).
UNUSED_FIELDS: Final[tuple[str, ...]] = ("full_name_length", "has_external_url")

#: Fields most follower exports carry: no username, no bio. The model is trained on a
#: copy of every account with only these fields, and its threshold is chosen so that
#: the false-positive rate with only these fields stays within target.
MINIMAL_FIELDS: Final[tuple[str, ...]] = (
    "posts_count",
    "followers_count",
    "following_count",
    "has_profile_pic",
    "is_private",
)

#: Each model feature and the stored fields it needs (all must be present).
FEATURE_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    **{name: (name,) for name in BASE_FIELDS},
    "following_follower_log_ratio": ("following_count", "followers_count"),
    "posts_following_log_ratio": ("posts_count", "following_count"),
    "username_digit_share": ("username_digit_count", "username_length"),
}

#: Model features, in the column order of :func:`account_features`.
FEATURES: Final[tuple[str, ...]] = tuple(FEATURE_INPUTS)

#: The least an account must carry to be scored: its posts, followers and following
#: counts. Every follower export carries them; without them the model would see only
#: flags and lengths, which separate little, and would return close to the base rate
#: (0.13 for an account with nothing at all) as if it knew something. An account
#: lacking any of them is marked ``insufficient_data`` and left out of every share.
REQUIRED_FIELDS: Final[tuple[str, ...]] = ("posts_count", "followers_count", "following_count")

#: Direction in which each feature may move the score when the others are held fixed
#: (LightGBM monotone constraints): +1 only ever towards fake-looking, -1 only away
#: from it, 0 unconstrained. Only directions that hold for ordinary accounts anywhere
#: are fixed (more posts, a picture, a bio, more followers for the same following look
#: less automated; following many more than follow back looks more); the private flag
#: and username length are left free.
MONOTONE_DIRECTIONS: Final[dict[str, int]] = {
    "posts_count": -1,
    "followers_count": -1,
    "following_count": 1,
    "has_profile_pic": -1,
    "is_private": 0,
    "biography_length": -1,
    "username_length": 0,
    "username_digit_count": 1,
    "following_follower_log_ratio": 1,
    "posts_following_log_ratio": -1,
    "username_digit_share": 1,
}

#: Plain words for each feature (what it measures, not what it means about a person).
SIGNAL_WORDS: Final[dict[str, str]] = {
    "posts_count": "number of posts",
    "followers_count": "number of followers",
    "following_count": "number of accounts it follows",
    "has_profile_pic": "profile picture",
    "is_private": "private account",
    "biography_length": "length of the bio",
    "username_length": "length of the username",
    "username_digit_count": "digits in the username",
    "following_follower_log_ratio": "accounts it follows compared with accounts following it",
    "posts_following_log_ratio": "posts compared with accounts it follows",
    "username_digit_share": "share of the username that is digits",
}

_INPUT_COLUMNS: Final = (*BASE_FIELDS, *UNUSED_FIELDS)
_FLAG_INPUTS: Final = frozenset({*FLAG_FIELDS, "has_external_url"})


def _numeric_column(frame: pl.DataFrame, name: str, *, flag: bool) -> np.ndarray:
    """One column as float64 with NaN for null; ValueError naming the column if invalid."""
    series = frame.get_column(name)
    dtype = series.dtype
    if dtype == pl.Null:
        return np.full(frame.height, np.nan)
    if not (dtype.is_numeric() or dtype == pl.Boolean):
        raise ValueError(
            f"column {name!r} must hold numbers{' or booleans' if flag else ''}, got dtype {dtype}"
        )
    values = np.asarray(series.cast(pl.Float64).to_numpy(), dtype=np.float64)
    if dtype == pl.Boolean or (dtype.is_integer() and _valid_integers(series, flag=flag)):
        return values  # booleans and whole numbers in range: nothing below can fail
    present = values[~np.isnan(values)]
    if np.isinf(present).any():
        raise ValueError(f"column {name!r} holds an infinite value; use null for missing")
    if flag:
        if not np.isin(present, (0.0, 1.0)).all():
            bad = present[~np.isin(present, (0.0, 1.0))][0]
            raise ValueError(f"column {name!r} must be 0/1 or true/false, got {bad:g}")
    else:
        if (present < 0).any():
            raise ValueError(f"column {name!r} must be a non-negative count, got {present.min():g}")
        if (present != np.floor(present)).any():
            bad = present[present != np.floor(present)][0]
            raise ValueError(f"column {name!r} must be a whole-number count, got {bad:g}")
    return values


def _valid_integers(series: pl.Series, *, flag: bool) -> bool:
    """True when an integer column passes the checks of :func:`_numeric_column`.

    Integers are never infinite or fractional, so only the range is checked, on
    the integers themselves (no float copy, no masks). False sends the column
    through the full checks, which name the offending value.
    """
    low, high = series.min(), series.max()
    if low is None or high is None:  # all null
        return True
    assert isinstance(low, int) and isinstance(high, int)
    return low >= 0 and (high <= 1 if flag else True)


def _username_counts(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Length and digit count of a raw ``username`` column (NaN where null)."""
    series = frame.get_column("username")
    if series.dtype not in (pl.String, pl.Null):
        raise ValueError(f"column 'username' must hold text, got dtype {series.dtype}")
    if series.dtype == pl.Null:
        empty = np.full(frame.height, np.nan)
        return empty, empty.copy()
    lengths = series.str.len_chars().cast(pl.Float64).to_numpy().astype(np.float64)
    digits = series.str.count_matches(r"\d").cast(pl.Float64).to_numpy().astype(np.float64)
    return lengths, digits


def account_features(frame: pl.DataFrame) -> np.ndarray:
    """Turn follower-account records into the model's feature matrix.

    Parameters
    ----------
    frame : polars.DataFrame
        One row per follower account, columns named as the stored follower-account
        fields (``posts_count``, ``followers_count``, ``following_count``,
        ``has_profile_pic``, ``is_private``, ``biography_length``,
        ``username_length``, ``username_digit_count``; ``full_name_length`` and
        ``has_external_url`` are checked but unused). Any column may be absent or
        null. When ``username_length``/``username_digit_count`` are absent and a raw
        ``username`` column is present, they are derived from it. Other columns are
        ignored.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(frame.height, len(FEATURES))``; ``NaN`` where a
        field, or an input of a derived feature, is missing.

    Raises
    ------
    ValueError
        If a column holds text, a negative or fractional count, a flag other than
        0/1, an infinite value, or more username digits than characters; the
        message names the column.

    Examples
    --------
    >>> import polars as pl
    >>> x = account_features(pl.DataFrame({"followers_count": [3], "following_count": [7000]}))
    >>> x.shape == (1, len(FEATURES))
    True
    >>> round(float(x[0, FEATURES.index("following_follower_log_ratio")]), 2)
    7.47
    >>> bool(np.isnan(x[0, FEATURES.index("posts_count")]))
    True
    """
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"expected a polars DataFrame, got {type(frame).__name__}")
    n = frame.height
    base: dict[str, np.ndarray] = {}
    for name in _INPUT_COLUMNS:
        if name in frame.columns:
            base[name] = _numeric_column(frame, name, flag=name in _FLAG_INPUTS)
        else:
            base[name] = np.full(n, np.nan)
    if "username" in frame.columns:
        lengths, digits = _username_counts(frame)
        for name, counted in (("username_length", lengths), ("username_digit_count", digits)):
            if name not in frame.columns:
                base[name] = counted
    length, digits = base["username_length"], base["username_digit_count"]
    with np.errstate(invalid="ignore"):
        if (digits > length).any():
            raise ValueError("column 'username_digit_count' cannot exceed 'username_length'")

    matrix = np.empty((n, len(FEATURES)), dtype=np.float64)
    # filled a block of rows at a time, so each block stays in cache while its row-major
    # rows are written (LightGBM and the compiled trees read rows)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        block = matrix[rows]
        for j, name in zip(_BASE_COLUMNS, BASE_FIELDS, strict=True):
            block[:, j] = base[name][rows]
        following = np.log1p(base["following_count"][rows])
        block[:, _DERIVED[0]] = following - np.log1p(base["followers_count"][rows])
        block[:, _DERIVED[1]] = np.log1p(base["posts_count"][rows]) - following
        with np.errstate(divide="ignore", invalid="ignore"):
            block[:, _DERIVED[2]] = np.where(length[rows] > 0, digits[rows] / length[rows], np.nan)
    return matrix


_REQUIRED_INDEX: Final = [FEATURES.index(name) for name in REQUIRED_FIELDS]
_BLOCK_ROWS: Final = 8192
_BASE_COLUMNS: Final = tuple(FEATURES.index(name) for name in BASE_FIELDS)
_DERIVED: Final = tuple(
    FEATURES.index(name)
    for name in (
        "following_follower_log_ratio",
        "posts_following_log_ratio",
        "username_digit_share",
    )
)


def sufficient_data(matrix: np.ndarray) -> np.ndarray:
    """True for each row of a feature matrix that carries every :data:`REQUIRED_FIELDS`.

    Examples
    --------
    >>> x = account_features(pl.DataFrame({"posts_count": [1, None], "followers_count": [2, 2],
    ...                                    "following_count": [3, 3]}))
    >>> sufficient_data(x).tolist()
    [True, False]
    """
    return np.asarray(~np.isnan(matrix[:, _REQUIRED_INDEX]).any(axis=1), dtype=bool)


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _ratio_words(log_ratio: float) -> str:
    ratio = math.expm1(abs(log_ratio)) + 1.0
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.1f}"


def describe_contribution(feature: str, value: float, contribution: float) -> str:
    """Plain words for one feature's contribution to one account's score.

    Parameters
    ----------
    feature : str
        A name from :data:`FEATURES`.
    value : float
        The account's value of that feature (``NaN`` if missing).
    contribution : float
        Its contribution to the raw score in log-odds; positive pushes towards the
        fake-looking class, negative away from it.

    Returns
    -------
    str
        A short phrase describing the evidence, e.g. ``"no profile picture"``. It
        describes what was measured, never a verdict about the account holder.

    Examples
    --------
    >>> describe_contribution("has_profile_pic", 0.0, 0.8)
    'no profile picture'
    >>> describe_contribution("following_follower_log_ratio", 7.5, 1.2)
    'follows many more accounts than follow it back (about 1,808 to 1)'
    >>> describe_contribution("has_profile_pic", 1.0, -0.5)
    'has a profile picture (typical of genuine accounts)'
    """
    if feature not in SIGNAL_WORDS:
        raise ValueError(f"unknown feature {feature!r}; expected one of {', '.join(FEATURES)}")
    towards = contribution > 0
    if value is None or math.isnan(value):
        return f"{SIGNAL_WORDS[feature]} not available"
    words = _phrase(feature, value)
    if towards:
        return words
    return f"{words} (typical of genuine accounts)"


def _phrase(feature: str, value: float) -> str:
    """Neutral description of one measured value."""
    if feature == "has_profile_pic":
        return "has a profile picture" if value >= 0.5 else "no profile picture"
    if feature == "is_private":
        return "private account" if value >= 0.5 else "public account"
    if feature == "biography_length":
        return "empty bio" if value == 0 else f"bio of {_count(value)} characters"
    if feature == "posts_count":
        return "no posts" if value == 0 else f"{_count(value)} posts"
    if feature == "followers_count":
        return "no followers" if value == 0 else f"{_count(value)} followers"
    if feature == "following_count":
        return f"follows {_count(value)} accounts"
    if feature == "username_length":
        return f"username of {_count(value)} characters"
    if feature == "username_digit_count":
        return "no digits in the username" if value == 0 else f"{_count(value)} digits in username"
    if feature == "username_digit_share":
        if value >= 0.5:
            return "username mostly digits"
        if value > 0:
            return f"username {value:.0%} digits"
        return "username without digits"
    if feature == "following_follower_log_ratio":
        if value >= math.log(3):
            return (
                f"follows many more accounts than follow it back (about {_ratio_words(value)} to 1)"
            )
        if value <= -math.log(3):
            return (
                f"followed by many more accounts than it follows (about {_ratio_words(value)} to 1)"
            )
        return "follows about as many accounts as follow it"
    # posts_following_log_ratio
    if value <= -math.log(10):
        return "posts little compared with how many accounts it follows"
    if value >= math.log(3):
        return "posts a lot compared with how many accounts it follows"
    return "posts in proportion to how many accounts it follows"
