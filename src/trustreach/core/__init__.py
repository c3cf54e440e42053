"""Core value types, settings and exceptions shared by every layer."""

from trustreach.core._exceptions import (
    AuditChainError,
    ConfigurationError,
    ImportValidationError,
    NotFoundError,
    RecordError,
    TrustreachError,
)
from trustreach.core._settings import Settings, get_settings, reset_settings

__all__ = [
    "AuditChainError",
    "ConfigurationError",
    "ImportValidationError",
    "NotFoundError",
    "RecordError",
    "Settings",
    "TrustreachError",
    "get_settings",
    "reset_settings",
]
