"""What every table module shares: the metadata the tables are registered on, and
:class:`PersonalData`, the purpose and retention a table holding personal data states.

A module of its own so that the table modules (:mod:`._tables` and the area
modules it gathers, e.g. :mod:`._rights_tables`) can be imported in any order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData


@dataclass(frozen=True)
class PersonalData:
    """Why a table holds personal data, about whom, and for how long.

    Attributes
    ----------
    subject : str
        Whose data it is (``creator``, ``follower``, ``commenter``, ``user``).
    purpose : str
        The purpose of processing, in plain words.
    retention_days : int | None
        How long rows are kept after their last update; None means "until the
        subject or the workspace is erased" (stated, not hidden).
    subject_columns : tuple[str, ...]
        Columns that identify the subject, used for access and erasure.
    legal_basis : str
        The GDPR Art. 6 basis relied on (and Art. 9 for special-category data).
    retention_rule : str | None
        Retention in plain words when it is an event rather than a period
        (``retention_days`` is then None), e.g. "until consent is withdrawn".
    """

    subject: str
    purpose: str
    retention_days: int | None
    subject_columns: tuple[str, ...]
    legal_basis: str
    retention_rule: str | None = None


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
