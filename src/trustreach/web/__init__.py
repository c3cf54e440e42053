"""The dashboard: server-rendered pages for brands, analysts, auditors and creators.

:func:`create_web_app` builds a FastAPI application that serves the login form
and the pages of the signed-in person's workspace (overview, creators, a
creator's audit evidence, the audit log with its verification). Every page is
scoped to that workspace: another workspace's ids answer "not found", and a
creator sees only their own page. Templates and static files ship in the
package; nothing is loaded from another site.
"""

from trustreach.web._app import create_web_app

__all__ = ["create_web_app"]
