"""Dated exchange rates: declared fees in other currencies are converted, never ignored.

A creator declares a fee in its own currency; a brief's budget is in the
brand's. Cost (fee per expected engagement or per 1,000 expected reach) is
compared in the budget's currency, so a fee in another currency is converted
with a dated table of reference rates, and every shortlist row says the rate
and its date.

The table has one row per currency: ``currency``, ``rate`` (units of the
currency per one unit of ``base``), ``base`` (the same for every row),
``date`` (the day the rate is for) and optionally ``source``. The package
ships a reference snapshot (:func:`reference_fx_rates`: the European Central
Bank's euro reference rates of one day, written by
``scripts/build_fx_snapshot.py``); a user's file (CSV, YAML or JSON, see
:func:`load_fx_rates`) replaces it, e.g. ``trustreach discover --fx-rates
FILE``.

Converting ``amount`` from currency ``A`` to ``B`` is
``amount × rate(B) / rate(A)``; the conversion is dated with the older of
the two rows' dates.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from trustreach.core import (
    ConfigurationError,
    NotFoundError,
    StructuredFileError,
    parse_structured,
    read_text,
)

REFERENCE_FILE = "fx_rates.csv"
"""The shipped snapshot, next to this module."""
COLUMNS = ("currency", "rate", "base", "date")
"""Fields every row needs; ``source`` is optional."""
SUFFIXES = (".csv", ".yaml", ".yml", ".json")
_CODE = re.compile(r"[A-Z]{3}\Z")
_WHAT = "exchange-rate table"


class FxRatesError(ConfigurationError):
    """An exchange-rate table that cannot be used; the message names each bad field."""


@dataclass(frozen=True)
class Conversion:
    """How an amount in ``source_currency`` becomes one in ``target_currency``."""

    source_currency: str
    target_currency: str
    factor: float
    """Units of the target currency per unit of the source currency."""
    on: date
    source: str

    def describe(self) -> str:
        """``1 USD = 0.7463 GBP (ECB ..., 2026-10-30)``."""
        return (
            f"1 {self.source_currency} = {self.factor:.4f} {self.target_currency} "
            f"({self.source}, {self.on.isoformat()})"
        )


@dataclass(frozen=True)
class FxRates:
    """A dated table of exchange rates against one base currency."""

    base: str
    rates: Mapping[str, float]
    """Units of each currency per one unit of :attr:`base` (the base itself: 1)."""
    dates: Mapping[str, date]
    sources: Mapping[str, str]
    origin: str
    """Where the table came from: a file path, or the shipped reference snapshot."""

    def conversion(self, source_currency: str, target_currency: str) -> Conversion | None:
        """The conversion between two currencies, or None when the table lacks one.

        >>> fx = parse_fx_rows([{"currency": "GBP", "rate": "0.8", "base": "EUR",
        ...                      "date": "2026-10-30"}], origin="example")
        >>> fx.conversion("EUR", "GBP").describe()
        '1 EUR = 0.8000 GBP (example, 2026-10-30)'
        >>> fx.conversion("USD", "GBP") is None
        True
        """
        if source_currency not in self.rates or target_currency not in self.rates:
            return None
        factor = self.rates[target_currency] / self.rates[source_currency]
        dated = [self.dates[c] for c in (source_currency, target_currency) if c in self.dates]
        on = min(dated)
        names = {self.sources[c] for c in (source_currency, target_currency) if c in self.sources}
        return Conversion(
            source_currency, target_currency, factor, on, "; ".join(sorted(names)) or self.origin
        )

    def factors(self, currencies: Sequence[str], target: str | None) -> npt.NDArray[np.float64]:
        """Per currency: units of ``target`` per unit of it (NaN: no conversion).

        The same currency converts at 1 whether or not the table lists it; an
        empty currency (no declared rate) gives NaN. Meant for the few distinct
        currencies of an index (its category labels), not for every row.

        >>> fx = parse_fx_rows([{"currency": "GBP", "rate": "0.8", "base": "EUR",
        ...                      "date": "2026-10-30"}], origin="example")
        >>> fx.factors(["EUR", "GBP", "", "JPY"], "GBP").tolist()
        [0.8, 1.0, nan, nan]
        """
        out = np.full(len(currencies), np.nan)
        for i, code in enumerate(currencies):
            if target is not None and code == target:
                out[i] = 1.0
            elif target is not None and code:
                found = self.conversion(str(code), target)
                if found is not None:
                    out[i] = found.factor
        return out

    def describe(self) -> str:
        """One line naming the table: its sources, dates and origin."""
        days = sorted({d.isoformat() for d in self.dates.values()})
        span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
        names = "; ".join(sorted(set(self.sources.values()))) or "no source given"
        return f"{names}, rates of {span} against {self.base} ({self.origin})"


def _problem(where: str, field: str, message: str) -> str:
    return f"{where}: {field}: {message}"


def parse_fx_rows(rows: Iterable[Mapping[str, Any]], *, origin: str) -> FxRates:
    """Validate rows of ``currency, rate, base, date[, source]`` into :class:`FxRates`.

    Every problem is reported, in row order, each naming the row, the field and
    what is allowed.

    Raises
    ------
    FxRatesError
        On a missing field, a code that is not three capital letters, a rate
        that is not a positive number, a date that is not YYYY-MM-DD, rows with
        different bases, a currency listed twice, or no rows at all.
    """
    problems: list[str] = []
    rates: dict[str, float] = {}
    dates: dict[str, date] = {}
    sources: dict[str, str] = {}
    bases: dict[str, int] = {}
    count = 0
    for number, row in enumerate(rows, start=1):
        count += 1
        where = f"{origin}: row {number}"
        missing = [c for c in COLUMNS if row.get(c) in (None, "")]
        if missing:
            problems.append(
                f"{where}: missing {', '.join(missing)} (each row needs {', '.join(COLUMNS)})"
            )
            continue
        unknown = sorted(set(row) - {*COLUMNS, "source"})
        if unknown:
            problems.append(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))}; allowed: "
                f"{', '.join(COLUMNS)}, source"
            )
        currency, base = str(row["currency"]).strip(), str(row["base"]).strip()
        for field, code in (("currency", currency), ("base", base)):
            if not _CODE.match(code):
                problems.append(
                    _problem(where, field, f"{code!r} is not an ISO 4217 code such as USD or EUR")
                )
        try:
            rate = float(row["rate"])
        except (TypeError, ValueError):
            rate = math.nan
        if not (math.isfinite(rate) and rate > 0):
            problems.append(
                _problem(
                    where,
                    "rate",
                    f"{row['rate']!r} is not a positive number "
                    f"(units of the currency per 1 {base})",
                )
            )
        raw_date = row["date"]
        try:
            on = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date))
        except ValueError:
            problems.append(_problem(where, "date", f"{raw_date!r} is not a date (YYYY-MM-DD)"))
            continue
        if currency == base and math.isfinite(rate) and abs(rate - 1.0) > 1e-9:
            problems.append(_problem(where, "rate", f"the base {base} itself must have rate 1"))
        if currency in rates:
            problems.append(_problem(where, "currency", f"{currency} is listed twice"))
            continue
        bases[base] = bases.get(base, 0) + 1
        if math.isfinite(rate) and rate > 0:
            rates[currency] = rate
            dates[currency] = on
            if row.get("source"):
                sources[currency] = str(row["source"]).strip()
    if count == 0:
        problems.append(f"{origin}: no rows; each row needs {', '.join(COLUMNS)}")
    if len(bases) > 1:
        problems.append(
            f"{origin}: base: every row needs the same base currency; found "
            f"{', '.join(sorted(bases))}"
        )
    if problems:
        raise FxRatesError("exchange-rate table refused: " + "; ".join(problems))
    base = next(iter(bases))
    rates.setdefault(base, 1.0)
    return FxRates(base, rates, dates, sources, origin)


def _yaml_rows(data: Any, origin: str) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping) and "rates" in data:
        # mapping form: {base, date, source?, rates: {CUR: rate}}
        rates = data["rates"]
        if not isinstance(rates, Mapping):
            raise FxRatesError(f"{origin}: rates: expected a mapping of currency to rate")
        unknown = sorted(set(data) - {"base", "date", "rates", "source"})
        if unknown:
            raise FxRatesError(
                f"{origin}: unknown field(s) {', '.join(map(str, unknown))}; "
                "allowed: base, date, rates, source"
            )
        shared = {k: data.get(k) for k in ("base", "date", "source") if data.get(k) is not None}
        return [{"currency": c, "rate": r, **shared} for c, r in rates.items()]
    if isinstance(data, list) and all(isinstance(r, Mapping) for r in data):
        return data
    raise FxRatesError(
        f"{origin}: expected a list of rows ({', '.join(COLUMNS)}) or a mapping with "
        "base, date and rates"
    )


def load_fx_rates(path: str | Path) -> FxRates:
    """Read an exchange-rate table from a CSV, YAML or JSON file.

    CSV: a header with ``currency, rate, base, date`` (and optionally
    ``source``), one row per currency. YAML or JSON: a list of such rows, or a
    mapping ``{base: EUR, date: 2026-10-30, source: ..., rates: {USD: 1.1172}}``.

    Raises
    ------
    FxRatesError
        When the file is missing, of another type, or any row is invalid
        (the message names the row and field).
    """
    path = Path(path)
    origin = str(path)
    if path.suffix.lower() not in SUFFIXES:
        raise FxRatesError(
            f"{origin}: extension {path.suffix or '(none)'!r} is not supported; "
            f"allowed: {', '.join(SUFFIXES)}"
        )
    try:
        text = read_text(path, what=_WHAT)
    except (StructuredFileError, NotFoundError) as error:
        raise FxRatesError(str(error)) from None
    return _parse_text(text, path.suffix.lower(), origin)


def _parse_text(text: str, suffix: str, origin: str) -> FxRates:
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in reader.fieldnames or []]
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            raise FxRatesError(
                f"{origin}: column {', '.join(twice)} appears twice in the header; each column once"
            )
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise FxRatesError(
                f"{origin}: missing column(s) {', '.join(missing)}; expected columns "
                f"{', '.join(COLUMNS)} (source optional)"
            )
        rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
        return parse_fx_rows(rows, origin=origin)
    try:
        data = parse_structured(
            text, fmt="json" if suffix == ".json" else "yaml", what=_WHAT, source=origin
        )
    except StructuredFileError as error:
        raise FxRatesError(str(error)) from None
    return parse_fx_rows(_yaml_rows(data, origin), origin=origin)


@lru_cache(maxsize=1)
def reference_fx_rates() -> FxRates:
    """The shipped snapshot (see ``scripts/build_fx_snapshot.py`` and docs/discovery.md)."""
    text = (files("trustreach.discovery") / REFERENCE_FILE).read_text(encoding="utf-8")
    return _parse_text(text, ".csv", "reference snapshot shipped with trustreach")


__all__ = [
    "Conversion",
    "FxRates",
    "FxRatesError",
    "load_fx_rates",
    "parse_fx_rows",
    "reference_fx_rates",
]
