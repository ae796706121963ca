"""ASGI entry point for uvicorn/gunicorn: ``uvicorn kommcert.asgi:app``.

Built lazily on first use so importing the package never reads settings.
"""

from __future__ import annotations

from typing import Any


class _LazyApp:
    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from kommcert.app import create_app
            from kommcert.config import get_settings

            self._app = create_app(get_settings())
        await self._app(scope, receive, send)


app = _LazyApp()
