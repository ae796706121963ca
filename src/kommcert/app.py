"""The app factory: JSON API under /api/v1, TAXII later under /taxii2/, pages at /."""

from __future__ import annotations

import logging
import sys

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kommcert import __version__
from kommcert.config import Settings
from kommcert.db import make_engine, make_sessionmaker
from kommcert.errors import DomainError
from kommcert.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware

log = logging.getLogger("kommcert.web")


class ErrorRead(BaseModel):
    """Every error the API answers: the English message as ``detail`` and both languages."""

    detail: str
    de: str
    en: str


def _error(description: str) -> dict:
    return {"model": ErrorRead, "description": description}


# What any API route may answer besides its success: the schema lists them, so clients (and the
# schemathesis run in the tests) know every status the API really returns.
ERROR_RESPONSES: dict[int | str, dict] = {
    400: _error("Malformed request (e.g. a broken multipart body)"),
    401: _error("Token missing, invalid, expired or revoked"),
    403: _error("Read-only token, missing CSRF token, or no permission"),
    404: _error("Not found, or not visible to the caller"),
    409: _error("Conflicts with existing data"),
    413: _error("Request body too large"),
    422: _error("Invalid input (type, range, NUL character, unknown reference)"),
}


def create_app(settings: Settings, *, sessionmaker=None) -> FastAPI:  # noqa: ANN001
    app = FastAPI(
        title="kommcert",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    if settings.switch_interval_ms > 0:  # short polls among long requests in the same process (docs/benchmarks.md)
        sys.setswitchinterval(settings.switch_interval_ms / 1000)

    @app.on_event("shutdown")
    def _stop_threads() -> None:  # the feeds' threads end with the app (the last uses are written)
        for name in ("feed_state_keeper", "token_use"):
            thread = getattr(app.state, name, None)
            if thread is not None:
                thread.stop()
    if sessionmaker is None:
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        sessionmaker = make_sessionmaker(engine)
    app.state.sessionmaker = sessionmaker
    from kommcert.jobs.runner import starter_for

    app.state.start_job = starter_for(settings, sessionmaker)

    from kommcert.api import router as api_router
    from kommcert.web import mount as mount_web

    app.include_router(api_router, prefix="/api/v1", responses=ERROR_RESPONSES)
    from kommcert.api import feeds
    from kommcert.deps import refuse_nul

    app.include_router(feeds.router, dependencies=[Depends(refuse_nul)], responses={
        **ERROR_RESPONSES, 304: {"description": "Not modified (the ETag sent in If-None-Match is current)"}})
    from kommcert.api import taxii

    app.include_router(taxii.router, dependencies=[Depends(refuse_nul)])
    mount_web(app)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        # Vendored Swagger UI, started from a static file: no CDN, no inline script.
        return HTMLResponse(_API_DOCS_HTML)

    @app.get("/healthz", include_in_schema=False)
    def healthz(request: Request) -> JSONResponse:
        from sqlalchemy import text

        db = request.app.state.sessionmaker()
        try:
            db.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - health answers, never raises
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        finally:
            db.close()
        return JSONResponse({"status": "ok", "version": __version__})

    app.openapi = lambda: _openapi_with_bearer(app)  # type: ignore[method-assign]
    _install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    uploads = {r"(/api/v1)?/indicators/import": settings.max_upload_bytes,
               # the files of one request together; multipart framing and the form fields get 1 MiB
               r"/reports|(/api/v1)?/reports/\d+/(comments|attachments)": settings.max_attachment_bytes + 2**20,
               # incidents: the report form (ransom note, screenshots) and files added later
               r"/incidents(/new)?|(/api/v1)?/incidents/\d+/attachments": settings.max_attachment_bytes + 2**20,
               # a warning's discussion (kommcert.discussion): pages say "files", the API "attachments"
               r"/advisories/\d+/(comments|files)|/api/v1/advisories/\d+/(comments|attachments)":
                   settings.max_attachment_bytes + 2**20,
               # CSAF documents uploaded by the CERT (several files together)
               r"(/api/v1)?/advisories/import": settings.max_attachment_bytes + 2**20,
               # an inventory as CSV or CycloneDX SBOM (the reader refuses more than 100,000 components)
               r"(/api/v1)?/inventory/import": 64 * 2**20}
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, uploads=uploads)
    return app


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path.startswith("/taxii2")) and "text/html" in request.headers.get(
        "accept", ""
    )


def _install_error_handlers(app: FastAPI) -> None:
    from kommcert.web.templating import render_error

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _is_taxii(request):
            return _taxii_error(exc)
        if _wants_html(request):
            return render_error(request, exc.status_code, exc.de, exc.en)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            {"detail": exc.en, "de": exc.de, "en": exc.en}, status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_taxii(request):  # unknown addresses and methods under /taxii2/ (routes answer their own)
            return _taxii_error(exc)
        de, en = _HTTP_TEXTS.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        if exc.status_code == 400:  # Starlette's body parsers say what was wrong, in English
            de, en = f"Die Anfrage ist nicht lesbar ({exc.detail}).", f"The request could not be read ({exc.detail})."
        if _wants_html(request):
            return render_error(request, exc.status_code, de, en)
        return JSONResponse({"detail": en, "de": de, "en": en}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_taxii(request):
            return _taxii_error(exc)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        msg = first.get("msg", "invalid")
        en = f"Invalid input at {where}: {msg}" if where else f"Invalid input: {msg}"
        de = f"Ungültige Eingabe bei {where}: {msg}" if where else f"Ungültige Eingabe: {msg}"
        if _wants_html(request):
            return render_error(request, 422, de, en)
        return JSONResponse({"detail": en, "de": de, "en": en}, status_code=422)

    # The last line, not the main defence (bounded ids, NUL refusal, schema checks come first): a
    # value the database cannot hold is the request's fault, never a 500. Logged without the
    # statement's parameters, which may be TLP:RED content.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: Exception) -> Response:
        log.warning("database refused a value: %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return await domain_error(request, _UnstorableValue())

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: Exception) -> Response:
        log.warning("database integrity refused a change on %s %s", request.method, request.url.path)
        return await domain_error(request, _ConflictingChange())


def _is_taxii(request: Request) -> bool:
    from kommcert.taxii.errors import is_taxii

    return is_taxii(request.url.path)


def _taxii_error(exc: Exception) -> Response:
    """TAXII clients get TAXII 2.1's error message with its media type, whatever went wrong."""
    from kommcert.api.taxii import error_for

    return error_for(exc)


class _UnstorableValue(DomainError):
    status_code = 422

    def __init__(self) -> None:
        super().__init__("Ein Wert ist ungültig (zu groß, NUL-Zeichen oder falsches Format).",
                         "A value is invalid (too large, a NUL character, or the wrong format).")


class _ConflictingChange(DomainError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__("Die Änderung widerspricht vorhandenen Daten (doppelt oder Verweis auf Unbekanntes).",
                         "The change conflicts with existing data (a duplicate or a reference to something unknown).")


_HTTP_TEXTS = {
    404: ("Nicht gefunden.", "Not found."),
    405: ("Methode nicht erlaubt.", "Method not allowed."),
    401: ("Anmeldung erforderlich.", "Authentication required."),
    403: ("Keine Berechtigung.", "Permission denied."),
}


_API_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kommcert API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui-5.35.0/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>
"""


def _openapi_with_bearer(app: FastAPI) -> dict:
    """Declare the Bearer token scheme so clients (and Swagger's "Authorize") know how to log in."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                             description="kommcert JSON API. Send an API token as `Authorization: Bearer <token>`.")
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "kommcert API token (kc_…)"}}
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema
