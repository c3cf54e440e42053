"""``trustreach serve``: the API and the dashboard in one ASGI app, run by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from trustreach.cli._app import app


@app.command("serve")
def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default answers only this machine; put a TLS "
            "proxy in front before using another."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes sharing the port (one per CPU core is a good start). "
            "Each keeps its own rate limits, login throttle and job runner; with more "
            "than one, SQLite takes their writes in turn and PostgreSQL (TRUSTREACH_DATABASE_URL) "
            "serves them side by side.",
        ),
    ] = 1,
) -> None:
    """Serve the REST API (/api/v1, /openapi.json) and the dashboard until Ctrl-C."""
    import uvicorn

    from trustreach.api import create_app

    uvicorn.run(
        # several workers import the app by name; one is served in this process
        "trustreach.api:create_app" if workers > 1 else create_app(),
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        # X-Forwarded-Proto/-For are believed only from a proxy on this machine
        # (uvicorn's forwarded_allow_ips default, 127.0.0.1), so behind a local TLS
        # proxy the app sees https: Secure cookies and HSTS.
        proxy_headers=True,
        server_header=False,
        date_header=True,
    )
