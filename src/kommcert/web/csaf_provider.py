"""kommcert as a CSAF 2.0 provider: provider-metadata.json and the directory of its own warnings.

Public on purpose (listed in ``tests/core/test_route_authorization.py``): ``white/`` and the metadata
answer anyone; the other directories answer a logged-in reader or a Bearer token with what that reader
may see (``advisories.provider`` asks the policy) — their lists 401 without one, their documents 404.
GET only, so no CSRF token is involved.
"""

from __future__ import annotations

import json
from email.utils import format_datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kommcert.advisories import provider
from kommcert.config import Settings
from kommcert.deps import CurrentActor, DbSession, SettingsDep
from kommcert.errors import AuthenticationFailed
from kommcert.sharing.actor import Actor

router = APIRouter()
PREFIX = "/.well-known/csaf"


def _base(request: Request, settings: Settings) -> str:
    return settings.public_url(str(request.base_url))


def _reader(actor: Actor, directory: str) -> Actor:
    if directory != provider.PUBLIC_DIRECTORY and not actor.is_authenticated:
        raise AuthenticationFailed("Für dieses Verzeichnis ist ein Token nötig (Authorization: Bearer …).",
                                   "This directory needs a token (Authorization: Bearer …).")
    return actor


def _cached(request: Request, body: bytes, media_type: str, etag: str, last_modified: object = None) -> Response:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)  # type: ignore[arg-type]
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _json(request: Request, value: object) -> Response:
    import hashlib

    body = json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
    return _cached(request, body, "application/json", '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _text(request: Request, text: str, media_type: str = "text/plain; charset=utf-8") -> Response:
    import hashlib

    body = text.encode("utf-8")
    return _cached(request, body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


@router.get(f"{PREFIX}/provider-metadata.json")
def provider_metadata(request: Request, db: DbSession, actor: CurrentActor, settings: SettingsDep) -> Response:
    return _json(request, provider.metadata(db, actor=actor, settings=settings, base_url=_base(request, settings)))


@router.get(f"{PREFIX}/openpgp/{{fingerprint}}")
def openpgp_key(fingerprint: str, request: Request, db: DbSession) -> Response:
    return _text(request, provider.public_key_file(db, fingerprint), "application/pgp-keys")


@router.get(f"{PREFIX}/{{directory}}/index.txt")
def index_txt(directory: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    return _text(request, provider.index_txt(db, actor=_reader(actor, directory), directory=directory))


@router.get(f"{PREFIX}/{{directory}}/changes.csv")
def changes_csv(directory: str, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    return _text(request, provider.changes_csv(db, actor=_reader(actor, directory), directory=directory),
                 "text/csv; charset=utf-8")


@router.get(f"{PREFIX}/{{directory}}/{{feed}}")
def rolie_feed(directory: str, feed: str, request: Request, db: DbSession, actor: CurrentActor,
               settings: SettingsDep) -> Response:
    if feed != provider.feed_name(directory):
        return Response(status_code=404)
    return _json(request, provider.rolie_feed(db, actor=_reader(actor, directory), base_url=_base(request, settings),
                                              directory=directory))


@router.get(f"{PREFIX}/{{directory}}/{{year}}/{{name}}")
def document(directory: str, year: str, name: str, request: Request, db: DbSession, actor: CurrentActor,
             settings: SettingsDep) -> Response:
    found = provider.document_file(db, actor=actor, settings=settings, directory=directory, year=year, name=name)
    return _cached(request, found.body, found.media_type, found.etag, found.last_modified)


@router.get("/.well-known/security.txt")
def security_txt(request: Request, settings: SettingsDep) -> Response:
    return _text(request, provider.security_txt(settings, _base(request, settings)))
