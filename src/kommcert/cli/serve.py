from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse, auf der gelauscht wird."),
    port: int = typer.Option(8000, "--port", help="TCP-Port."),
    workers: int = typer.Option(1, "--workers", min=1, help="Anzahl Prozesse (PostgreSQL empfohlen ab 2)."),
    proxy_headers: bool = typer.Option(
        False, "--proxy-headers", help="X-Forwarded-* eines vorgeschalteten Reverse Proxy vertrauen."
    ),
) -> None:
    """Startet den Webserver (Seiten, JSON-API unter /api/v1)."""
    import uvicorn

    from kommcert.cli.common import database_settings

    database_settings()  # fail with one line before uvicorn starts
    from kommcert.logging_setup import uvicorn_log_config

    uvicorn.run(
        "kommcert.asgi:app", host=host, port=port, workers=workers, proxy_headers=proxy_headers,
        forwarded_allow_ips="*" if proxy_headers else None, log_level="info", log_config=uvicorn_log_config(),
    )
