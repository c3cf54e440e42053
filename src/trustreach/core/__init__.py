"""Core value types, settings and exceptions shared by every layer."""

from typing import TYPE_CHECKING

from trustreach.core._lazy import lazy_exports

if TYPE_CHECKING:
    from trustreach.core._exceptions import (
        AuditChainError,
        ConfigurationError,
        ImportValidationError,
        NotFoundError,
        RecordError,
        StoreBusyError,
        TrustreachError,
    )
    from trustreach.core._files import (
        check_output_file,
        check_output_folder,
        durable,
        exclusive_lock,
        fsync_folder,
        read_toml,
        replaced_atomically,
        shared_lock,
        write_text_atomically,
    )
    from trustreach.core._identity import (
        Actor,
        AuthenticationError,
        PermissionDenied,
        Role,
        require_role,
    )
    from trustreach.core._settings import Settings, get_settings, reset_settings
    from trustreach.core._structured import (
        StructuredFileError,
        load_structured,
        parse_structured,
        read_text,
    )
    from trustreach.core._text import closest_id, money, plural
else:  # imported on first use (PEP 562): keeps `import trustreach.core` cheap
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "_exceptions": (
                "AuditChainError",
                "ConfigurationError",
                "ImportValidationError",
                "NotFoundError",
                "RecordError",
                "StoreBusyError",
                "TrustreachError",
            ),
            "_files": (
                "check_output_file",
                "check_output_folder",
                "durable",
                "exclusive_lock",
                "fsync_folder",
                "read_toml",
                "replaced_atomically",
                "shared_lock",
                "write_text_atomically",
            ),
            "_identity": (
                "Actor",
                "AuthenticationError",
                "PermissionDenied",
                "Role",
                "require_role",
            ),
            "_text": ("closest_id", "money", "plural"),
            "_settings": (
                "Settings",
                "get_settings",
                "reset_settings",
            ),
            "_structured": (
                "StructuredFileError",
                "load_structured",
                "parse_structured",
                "read_text",
            ),
        },
    )

__all__ = [
    "Actor",
    "AuditChainError",
    "AuthenticationError",
    "ConfigurationError",
    "ImportValidationError",
    "NotFoundError",
    "PermissionDenied",
    "RecordError",
    "Role",
    "Settings",
    "StoreBusyError",
    "StructuredFileError",
    "TrustreachError",
    "check_output_file",
    "check_output_folder",
    "closest_id",
    "durable",
    "exclusive_lock",
    "fsync_folder",
    "get_settings",
    "load_structured",
    "money",
    "parse_structured",
    "plural",
    "read_text",
    "read_toml",
    "replaced_atomically",
    "require_role",
    "reset_settings",
    "shared_lock",
    "write_text_atomically",
]
