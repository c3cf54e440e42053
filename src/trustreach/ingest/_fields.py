"""Field specifications derived from the interchange models, in plain words.

One source of truth: the pydantic models in :mod:`._schema`. This module reads
their annotations to say what a field allows ("an integer ≥ 0", "one of: …")
and to drive the vectorised validator used for high-volume kinds.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

FieldKind = Literal["int", "float", "bool", "str", "enum", "date", "datetime", "list", "dict"]


@dataclass(frozen=True)
class FieldSpec:
    """What one interchange field accepts."""

    name: str
    kind: FieldKind
    required: bool
    nullable: bool
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    hint: str | None = None
    pattern: str | None = None
    earliest: date | None = None
    days_ahead: int | None = None

    @property
    def allowed(self) -> str:
        """What the field allows, in plain words."""
        words = {
            "int": "an integer",
            "float": "a number",
            "bool": "true or false (also 1/0)",
            "str": "text",
            "date": "a date (YYYY-MM-DD)",
            "datetime": "a date-time (ISO 8601, e.g. 2024-05-01T18:30:00Z)",
            "list": "a list (JSON array; in CSV, values separated by ';')",
            "dict": "an object of shares (JSON object; in CSV, JSON text)",
        }
        if self.hint:
            text = self.hint
        elif self.kind == "enum" and self.choices:
            text = "one of: " + ", ".join(self.choices)
        else:
            text = words.get(self.kind, self.kind)
        if self.earliest is not None and "after the import" not in text:
            text += f" from {self.earliest.isoformat()} to {self.days_ahead} days after the import"
        if self.ge is not None and self.le is not None:
            text += f" between {_num(self.ge)} and {_num(self.le)}"
        elif self.ge is not None:
            text += f" ≥ {_num(self.ge)}"
        elif self.le is not None:
            text += f" ≤ {_num(self.le)}"
        if self.kind == "str" and (self.min_length or self.max_length):
            text += f" of {self.min_length or 0}–{self.max_length} characters"
        if self.nullable and not self.required:
            text += ", or empty"
        return text


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class DateRange:
    """Marks a date or date-time field with its plausible range (read by the column path)."""

    earliest: date
    days_ahead: int


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """Base type, constraint metadata and whether None is allowed."""
    metadata: list[Any] = []
    nullable = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            first, *extra = get_args(annotation)
            annotation, metadata = first, metadata + extra
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(members) < len(get_args(annotation))
            annotation = members[0]
        else:
            return annotation, metadata, nullable


def _kind(base: Any) -> FieldKind:
    origin = get_origin(base)
    if origin is list:
        return "list"
    if origin is dict:
        return "dict"
    if isinstance(base, type):
        if issubclass(base, Enum):
            return "enum"
        if issubclass(base, bool):
            return "bool"
        if issubclass(base, int):
            return "int"
        if issubclass(base, float):
            return "float"
        if issubclass(base, datetime):
            return "datetime"
        if issubclass(base, date):
            return "date"
    return "str"


def _spec(name: str, info: FieldInfo) -> FieldSpec:
    base, inner, nullable = _unwrap(info.annotation)
    metadata = [*inner, *info.metadata]
    values: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo) and item.description:
            values["hint"] = item.description
        for constraint in getattr(item, "metadata", [item]):
            if isinstance(constraint, at.Ge):
                values["ge"] = constraint.ge
            elif isinstance(constraint, at.Le):
                values["le"] = constraint.le
            elif isinstance(constraint, at.MinLen):
                values["min_length"] = constraint.min_length
            elif isinstance(constraint, at.MaxLen):
                values["max_length"] = constraint.max_length
            elif isinstance(constraint, DateRange):
                values["earliest"] = constraint.earliest
                values["days_ahead"] = constraint.days_ahead
            elif isinstance(getattr(constraint, "pattern", None), str):
                values["pattern"] = constraint.pattern
    kind = _kind(base)
    if "hint" not in values and kind == "str" and info.description:
        values["hint"] = info.description  # an alias's description, merged into the field
    choices = tuple(m.value for m in base) if kind == "enum" else None
    return FieldSpec(
        name=name,
        kind=kind,
        required=info.is_required(),
        nullable=nullable,
        choices=choices,
        **values,
    )


@cache
def field_specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """Specs of every field of ``model``, in declaration order.

    >>> from trustreach.ingest._schema import FollowerAccountRecord
    >>> field_specs(FollowerAccountRecord)["followers_count"].allowed
    'an integer between 0 and 1,000,000,000,000, or empty'
    """
    return {name: _spec(name, info) for name, info in model.model_fields.items()}
