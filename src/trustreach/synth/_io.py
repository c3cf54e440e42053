"""Write interchange records of one kind as JSONL, CSV or Parquet.

Encodings (the same for every kind):

* **JSONL**: one JSON object per line, every field present (``null`` when
  unset); lists and dicts native; dates ``YYYY-MM-DD``; datetimes RFC 3339 in
  UTC with a ``Z`` suffix.
* **CSV** (RFC 4180, header row, ``\\n`` line ends): an empty cell is ``null``;
  booleans ``true``/``false``; **list fields are ``;``-joined strings** (an
  empty cell is an empty list); **dict fields (audience shares) are JSON
  object strings**; dates and datetimes as in JSONL.
* **Parquet** (zstd): native ``list<string>`` for list fields, ``date32`` for
  dates, ``timestamp[us, UTC]`` for datetimes; **dict fields are JSON object
  strings** (not structs), as in CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

# per kind: field -> type code (s str, i int, f float, b bool, d date, t datetime,
# l list of str, j dict of str -> float). Order is the model's field order.
KIND_FIELDS: dict[str, dict[str, str]] = {
    "brands": {"brand_id": "s", "name": "s", "category": "s", "country": "s"},
    "creators": {
        "creator_id": "s",
        "display_name": "s",
        "niches": "l",
        "country": "s",
        "language": "s",
    },
    "creator_accounts": {
        "account_id": "s",
        "creator_id": "s",
        "platform": "s",
        "handle": "s",
        "followers_count": "i",
        "following_count": "i",
        "posts_count": "i",
        "verified": "b",
        "rate_per_post": "f",
        "rate_currency": "s",
    },
    "audience_snapshots": {
        "account_id": "s",
        "captured_on": "d",
        "followers_count": "i",
        "following_count": "i",
        "age_bands": "j",
        "genders": "j",
        "countries": "j",
    },
    "follows": {"creator_account_id": "s", "follower_account_id": "s", "followed_on": "d"},
    "campaigns": {
        "campaign_id": "s",
        "brand_id": "s",
        "name": "s",
        "goal": "s",
        "starts_on": "d",
        "ends_on": "d",
        "budget": "f",
        "currency": "s",
    },
    "briefs": {
        "brief_id": "s",
        "brand_id": "s",
        "campaign_id": "s",
        "goal": "s",
        "topics": "l",
        "audience_countries": "l",
        "audience_age_bands": "l",
        "platforms": "l",
        "budget": "f",
        "currency": "s",
        "category": "s",
    },
    "deals": {
        "deal_id": "s",
        "campaign_id": "s",
        "creator_id": "s",
        "compensation": "s",
        "amount": "f",
        "currency": "s",
        "affiliate_code": "s",
        "signed_on": "d",
    },
    "posts": {
        "post_id": "s",
        "account_id": "s",
        "posted_at": "t",
        "media_type": "s",
        "caption": "s",
        "hashtags": "l",
        "likes": "i",
        "comments": "i",
        "views": "i",
        "shares": "i",
        "saves": "i",
        "paid_partnership": "b",
        "campaign_id": "s",
    },
    "post_metrics": {
        "post_id": "s",
        "observed_at": "t",
        "views": "i",
        "reach": "i",
        "impressions": "i",
        "likes": "i",
        "comments": "i",
        "shares": "i",
        "saves": "i",
        "link_clicks": "i",
        "source": "s",
    },
    "tracked_links": {
        "link_id": "s",
        "campaign_id": "s",
        "creator_id": "s",
        "post_id": "s",
        "url": "s",
    },
    "comments": {
        "comment_id": "s",
        "post_id": "s",
        "author_id": "s",
        "posted_at": "t",
        "text": "s",
        "likes": "i",
    },
    "tracking_events": {
        "event_id": "s",
        "campaign_id": "s",
        "occurred_at": "t",
        "event_type": "s",
        "post_id": "s",
        "creator_id": "s",
        "quantity": "i",
        "value": "f",
        "currency": "s",
        "order_id": "s",
        "promo_code": "s",
        "link_id": "s",
        "touch_key": "s",
    },
    "consent_records": {
        "consent_id": "s",
        "creator_id": "s",
        "purpose": "s",
        "granted": "b",
        "recorded_at": "t",
        "source": "s",
    },
    "declared_attributes": {
        "declaration_id": "s",
        "creator_id": "s",
        "attribute": "s",
        "value": "s",
        "declared_at": "t",
        "consent_id": "s",
    },
}
LIST_SEPARATOR = ";"

_ARROW: dict[str, pa.DataType] = {
    "s": pa.string(),
    "i": pa.int64(),
    "f": pa.float64(),
    "b": pa.bool_(),
    "d": pa.date32(),
    "t": pa.timestamp("us", tz="UTC"),
    "l": pa.list_(pa.string()),
    "j": pa.string(),
}


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _csv_cell(value: Any, code: str) -> str:
    if value is None:
        return ""
    if code == "b":
        return "true" if value else "false"
    if code == "l":
        return LIST_SEPARATOR.join(value)
    if code == "j":
        return orjson.dumps(value).decode()
    if code in "dt":
        return _iso(value)
    return str(value)


def write_records(path: Path, kind: str, rows: list[dict[str, Any]], fmt: str) -> int:
    """Write ``rows`` of ``kind`` to ``path`` in ``fmt``; return the row count.

    Parameters
    ----------
    path
        Output file.
    kind
        A key of :data:`KIND_FIELDS`.
    rows
        Records as dicts with Python values (``date``, aware ``datetime``, lists, dicts).
    fmt
        ``"jsonl"``, ``"csv"`` or ``"parquet"``.

    Returns
    -------
    int
        ``len(rows)``.
    """
    fields = KIND_FIELDS[kind]
    if fmt == "jsonl":
        opts = orjson.OPT_APPEND_NEWLINE | orjson.OPT_UTC_Z
        with path.open("wb") as fh:
            for row in rows:
                fh.write(orjson.dumps({f: row.get(f) for f in fields}, option=opts))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(list(fields))
        for row in rows:
            writer.writerow([_csv_cell(row.get(f), code) for f, code in fields.items()])
        path.write_text(buf.getvalue(), encoding="utf-8")
    else:
        columns: dict[str, list[Any]] = {}
        for f, code in fields.items():
            col = [row.get(f) for row in rows]
            if code == "j":
                col = [None if v is None else orjson.dumps(v).decode() for v in col]
            columns[f] = col
        schema = pa.schema([(f, _ARROW[code]) for f, code in fields.items()])
        table = pa.Table.from_pydict(columns, schema=schema)
        pq.write_table(table, str(path), compression="zstd")
    return len(rows)
