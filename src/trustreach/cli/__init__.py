"""The ``trustreach`` command line: each command calls one service function."""

from trustreach.cli import (  # noqa: F401  (each registers commands)
    _audit,
    _campaign,
    _campaign_alerts,
    _captions,
    _compliance,
    _consent,
    _content,
    _content_draft,
    _content_hashtags,
    _content_times,
    _content_trends,
    _conversation,
    _demo,
    _disclosure,
    _discover,
    _events,
    _identity,
    _models,
    _nlp,
    _retention,
    _rights,
    _serve,
    _shortlist,
)
from trustreach.cli._app import app, main

__all__ = ["app", "main"]
