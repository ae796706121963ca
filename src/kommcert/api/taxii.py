"""TAXII 2.1 under ``/taxii2/``: discovery, one API root (``/taxii2/root/``), its status resources and
collections (``kommcert.taxii``). Delivery only: negotiate, authenticate, authorize, call, render.

Every answer is ``application/taxii+json;version=2.1``; every 4xx/5xx the TAXII error message
(``TaxiiRoute`` here for what a route raises, the global handlers in ``app.py`` for unknown paths and
methods, the body-limit middleware for 413). The routes are not in ``/api/v1/openapi.json``: TAXII is
its own specification. Cookies are ignored (API tokens only), so no browser can be made to POST here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from kommcert import __version__
from kommcert.audit import export as audit_export
from kommcert.config import Settings
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import DomainError
from kommcert.sharing.actor import Actor
from kommcert.taxii import auth, collections, cursor, ingest, media
from kommcert.taxii.errors import TaxiiError, error_response
from kommcert.taxii.models import TaxiiStatus
from kommcert.taxii.objects import Page, Query, Reader, parse_query

log = logging.getLogger("kommcert.taxii")

ROOT = "/taxii2/root/"


def error_for(exc: Exception) -> Response:
    """The TAXII error message for anything a TAXII request ended with."""
    from fastapi.exceptions import RequestValidationError
    from sqlalchemy.exc import DataError, IntegrityError
    from starlette.exceptions import HTTPException

    if isinstance(exc, DomainError):
        return error_response(exc.status_code, exc.en, exc.de)
    if isinstance(exc, HTTPException):
        texts = {404: ("Nicht gefunden.", "Not found."),
                 405: ("Methode für diese Adresse nicht erlaubt.", "Method not allowed for this address.")}
        de, en = texts.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        return error_response(exc.status_code, en, de)
    if isinstance(exc, RequestValidationError):
        return error_response(400, "Invalid request parameters.", "Ungültige Parameter.")
    if isinstance(exc, OverflowError | DataError):
        return error_response(422, "A value is invalid.", "Ein Wert ist ungültig.")
    if isinstance(exc, IntegrityError):
        return error_response(409, "The change conflicts with existing data.",
                              "Die Änderung widerspricht vorhandenen Daten.")
    return error_response(500, "Internal server error.", "Interner Fehler des Servers.")


class TaxiiRoute(APIRoute):
    """Whatever a TAXII route raises leaves as the TAXII error message, a 500 included (logged with
    its traceback; the answer says nothing about it)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 - turned into the TAXII error message
                known = isinstance(exc, DomainError) or type(exc).__name__ in (
                    "HTTPException", "RequestValidationError", "DataError", "IntegrityError", "OverflowError")
                if not known:
                    log.exception("TAXII request failed: %s %s", request.method, request.url.path)
                return error_for(exc)

        return run


router = APIRouter(prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, include_in_schema=False)


class TaxiiResponse(JSONResponse):
    media_type = media.TAXII


def _answer(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> TaxiiResponse:
    return TaxiiResponse(content, status_code=status_code, headers={"Cache-Control": "no-store", **(headers or {})})


def _caller(request: Request, db, settings: Settings) -> Actor:  # noqa: ANN001
    """Accept first (no database for a 406), then the credential (401 for a wrong one)."""
    media.require_acceptable(request.headers.get("accept"))
    return auth.taxii_actor(request, db, settings)


def _login_needed() -> TaxiiError:
    return TaxiiError(401, "Anmeldung erforderlich (Basic mit API-Token als Passwort, Bearer oder Token).",
                      "Authentication required (Basic with an API token as password, Bearer or Token).")


def _public_or_login(actor: Actor, settings: Settings) -> None:
    if not actor.is_authenticated and not settings.taxii_public:
        raise _login_needed()


def _collection(actor: Actor, settings: Settings, collection_id: str) -> collections.Collection:
    """The collection if the caller may read it; anonymous callers are asked to log in (401), everyone
    else gets 404 for a collection they may not read, as for one that does not exist."""
    found = collections.BY_ID.get(collection_id)
    if found is not None and found.readable(actor, settings):
        return found
    if not actor.is_authenticated:
        raise _login_needed()
    raise TaxiiError(404, "Sammlung nicht gefunden.", "Collection not found.")


def _reader(request: Request, db, actor: Actor, collection: collections.Collection,  # noqa: ANN001
            settings: Settings) -> Reader:
    return Reader(db, actor, collection, producer=f"kommcert {settings.cert_name}",
                  cursor_key=_cursor_key(request, settings))


def _cursor_key(request: Request, settings: Settings) -> bytes:
    key = getattr(request.app.state, "taxii_cursor_key", None)
    if key is None:
        key = request.app.state.taxii_cursor_key = cursor.cursor_key(settings.secret_key.get_secret_value())
    return key


def _audit(db, request: Request, actor: Actor, collection: collections.Collection, what: str,  # noqa: ANN001
           count: int) -> None:
    """One entry per answer that carries objects (docs/sharing.md: every export is logged)."""
    audit_export.record_export(db, actor=actor, what=f"taxii-{what}", ip=client_ip(request),
                               detail={"collection": collection.key, "objects": count})


@router.get("/")
def discovery(request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    _public_or_login(actor, settings)
    return _answer({
        "title": f"kommcert {settings.cert_name}",
        "description": "TAXII 2.1: Indikatoren der kommunalen IT-Sicherheit / indicators of municipal IT security",
        "default": ROOT, "api_roots": [ROOT]})


@router.get("/root/")
def api_root(request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    _public_or_login(actor, settings)
    return _answer({"title": f"kommcert {settings.cert_name}", "description": f"kommcert {__version__}",
                    "versions": [media.TAXII], "max_content_length": settings.max_body_bytes})


@router.get("/root/status/{status_id}/")
@router.get("/root/status/{status_id}")  # taxii2-client's add_objects builds the address without the slash
def status(status_id: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    if not actor.is_authenticated:
        raise _login_needed()
    found = db.get(TaxiiStatus, status_id[:36])
    if found is None or found.org_id != actor.org_id:
        raise TaxiiError(404, "Status nicht gefunden.", "Status not found.")
    return _answer(ingest.status_resource(found))


@router.get("/root/collections/")
def list_collections(request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    _public_or_login(actor, settings)
    return _answer({"collections": [c.resource(actor) for c in collections.readable(actor, settings)]})


@router.get("/root/collections/{collection_id}/")
def get_collection(collection_id: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    return _answer(_collection(actor, settings, collection_id).resource(actor))


def _envelope(page: Page) -> dict[str, Any]:
    body: dict[str, Any] = {"more": page.more}
    if page.next is not None:
        body["next"] = page.next
    if page.entries:
        body["objects"] = [e.obj for e in page.entries]
    return body


@router.get("/root/collections/{collection_id}/objects/")
def get_objects(collection_id: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    collection = _collection(actor, settings, collection_id)
    reader = _reader(request, db, actor, collection, settings)
    page = reader.page(parse_query(request.query_params, reader.key))
    _audit(db, request, actor, collection, "objects", len(page.entries))
    return _answer(_envelope(page), headers=page.headers())


async def _raw_body(request: Request) -> bytes:
    """The body, read before the (synchronous) handler runs: the body-limit middleware bounds it."""
    return await request.body()


@router.post("/root/collections/{collection_id}/objects/", status_code=202)
def add_objects(collection_id: str, request: Request, db: DbSession, settings: SettingsDep,
                body: bytes = Depends(_raw_body)) -> Response:
    actor = _caller(request, db, settings)
    collection = _collection(actor, settings, collection_id)
    if not collection.writable(actor):
        if not actor.is_authenticated:
            raise _login_needed()
        raise TaxiiError(403, "In diese Sammlung dürfen Sie nicht schreiben.", "You may not write to this collection.")
    media.require_taxii_body(request.headers.get("content-type"))
    found = ingest.ingest(db, actor=actor, settings=settings, collection_id=collection.id, body=body)
    return _answer(ingest.status_resource(found), status_code=202)


@router.get("/root/collections/{collection_id}/manifest/")
def get_manifest(collection_id: str, request: Request, db: DbSession, settings: SettingsDep) -> Response:
    actor = _caller(request, db, settings)
    collection = _collection(actor, settings, collection_id)
    reader = _reader(request, db, actor, collection, settings)
    page = reader.page(parse_query(request.query_params, reader.key))
    _audit(db, request, actor, collection, "manifest", len(page.entries))
    body: dict[str, Any] = {"more": page.more}
    if page.next is not None:
        body["next"] = page.next
    if page.entries:
        body["objects"] = [e.manifest() for e in page.entries]
    return _answer(body, headers=page.headers())


def _one(request: Request, db, settings: Settings, collection_id: str, object_id: str,  # noqa: ANN001
         ) -> tuple[Actor, collections.Collection, Query, Page]:
    """The object as a page of at most one entry: the filters (added_after, match[version],
    match[spec_version], match[type]) apply to it as to a collection's page."""
    actor = _caller(request, db, settings)
    collection = _collection(actor, settings, collection_id)
    reader = _reader(request, db, actor, collection, settings)
    query = parse_query(request.query_params, reader.key)
    entry = reader.one(object_id, query)  # 404 for an id the caller does not see
    wanted = not query.nothing and query.wants(entry.obj) and (
        query.added_after is None or entry.date_added > query.added_after)
    return actor, collection, query, Page([entry] if wanted else [], False, None)


@router.get("/root/collections/{collection_id}/objects/{object_id}/")
def get_object(collection_id: str, object_id: str, request: Request, db: DbSession,
               settings: SettingsDep) -> Response:
    actor, collection, _query, page = _one(request, db, settings, collection_id, object_id)
    _audit(db, request, actor, collection, "object", len(page.entries))
    return _answer(_envelope(page), headers=page.headers())


@router.get("/root/collections/{collection_id}/objects/{object_id}/versions/")
def get_versions(collection_id: str, object_id: str, request: Request, db: DbSession,
                 settings: SettingsDep) -> Response:
    """We keep the current version of an aggregated object only: one version, so ``more`` is false and
    no ``next`` is needed (a client that pages by it stops at once)."""
    actor, collection, _query, page = _one(request, db, settings, collection_id, object_id)
    _audit(db, request, actor, collection, "versions", len(page.entries))
    body: dict[str, Any] = {"more": False}
    if page.entries:
        body["versions"] = [e.obj["modified"] for e in page.entries]
    return _answer(body, headers=page.headers())
