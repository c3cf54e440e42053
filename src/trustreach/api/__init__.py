"""The REST API adapter (FastAPI): ``create_app`` builds the ASGI app ``trustreach serve`` runs.

Routes are versioned under ``/api/v1``, authenticated by API key, scoped to the
key's workspace and role, and answer errors as RFC 9457 problem documents.
"""

from trustreach.api._app import create_app

__all__ = ["create_app"]
