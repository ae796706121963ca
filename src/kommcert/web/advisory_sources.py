"""Pages of the CSAF sources, the quarantine and the upload of CSAF documents: for the CERT's analysts
and administrators (``advisories.sources`` refuses everyone else with 403).

A refused form shows the page again with the German message and a 4xx status, so nothing it wrote is
kept (``deps.get_db``). "Jetzt abrufen" runs the pull in the request and shows its counts and errors.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from kommcert import outbound
from kommcert.accounts.models import User
from kommcert.advisories import sources as service
from kommcert.advisories.models import CsafSource
from kommcert.advisories.schemas_sources import AudienceEntry, SourceIn, SourceUpdate
from kommcert.config import Settings
from kommcert.deps import DbSession, SettingsDep, file_download
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.orgs.models import Organization
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.validation import Id, parse_id
from kommcert.web import forms
from kommcert.web.auth import PageActor, safe_next
from kommcert.web.templating import render

router = APIRouter()
KINDS = [("provider", "Provider (provider-metadata.json)"), ("domain", "Domain (Suche nach CSAF 2.0 §7.3)"),
         ("aggregator", "Aggregator (aggregator.json)"), ("directory", "Verzeichnis (index.txt/changes.csv)"),
         ("rolie", "ROLIE-Feed")]
STATUS_LABELS = {"new": "neu", "updated": "aktualisiert", "unchanged": "unverändert", "older": "älter",
                 "quarantined": "Quarantäne", "errors": "Fehler"}
RECENT_QUARANTINE = 20
_SPLIT = re.compile(r"[\s,;]+")


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.strip()) if w][:200]


def _probe_url(source: CsafSource | dict[str, str]) -> str:
    url = source.url if isinstance(source, CsafSource) else source.get("url", "")
    kind = source.kind if isinstance(source, CsafSource) else source.get("kind", "")
    return f"https://{url}/" if kind == "domain" and "://" not in url else url


def host_allowed(source: CsafSource | dict[str, str], settings: Settings) -> bool:
    return outbound.is_allowed(_probe_url(source), settings)


# ---------------------------------------------------------------- form ⇄ values

def _audience_entries(db: Session, actor: Actor, values: dict[str, str]) -> list[AudienceEntry]:
    entries = [AudienceEntry(org_id=i, subtree=True)
               for i in sharing_service.org_ids_by_keys(db, _words(values["audience_orgs"]))]
    entries += [AudienceEntry(org_id=i, subtree=False)
                for i in sharing_service.org_ids_by_keys(db, _words(values["audience_orgs_strict"]))]
    entries += [AudienceEntry(user_id=i)
                for i in sharing_service.user_ids_by_emails(db, _words(values["audience_users"]), actor=actor)]
    return entries


FIELDS = ("name", "kind", "url", "interval_minutes", "key_fingerprints", "public_keys", "audience_orgs",
          "audience_orgs_strict", "audience_users")


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).replace("\r\n", "\n")[:200_000 if k == "public_keys" else 4000]
                              for k in FIELDS}
    values["require_signature"] = form.get("require_signature") == "1"
    values["enabled"] = form.get("enabled") == "1"
    return values


def values_of(db: Session, source: CsafSource) -> dict[str, Any]:
    """The form's values for a stored source (organisations by key, people by address)."""
    audience = source.default_audience or []
    org_ids = [e["org_id"] for e in audience if e.get("org_id")]
    user_ids = [e["user_id"] for e in audience if e.get("user_id")]
    keys = dict(db.execute(select(Organization.id, Organization.key).where(Organization.id.in_(org_ids))).all())
    mails = dict(db.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    return {"name": source.name, "kind": source.kind, "url": source.url,
            "interval_minutes": str(source.interval_minutes),
            "key_fingerprints": "\n".join(source.key_fingerprints or []), "public_keys": source.public_keys,
            "audience_orgs": "\n".join(keys.get(e["org_id"], "") for e in audience
                                       if e.get("org_id") and e.get("subtree", True)),
            "audience_orgs_strict": "\n".join(keys.get(e["org_id"], "") for e in audience
                                              if e.get("org_id") and not e.get("subtree", True)),
            "audience_users": "\n".join(mails.get(i, "") for i in user_ids),
            "require_signature": source.require_signature, "enabled": source.enabled}


def _interval(text: str) -> int:
    try:
        return int(text.strip() or "60")
    except ValueError:
        raise InvalidInput("Abrufintervall: bitte eine ganze Zahl (Minuten) angeben.",
                           "Interval: please give a whole number of minutes.") from None


def _source_data(db: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    return {"name": values["name"], "kind": values["kind"], "url": values["url"].strip(),
            "interval_minutes": _interval(values["interval_minutes"]), "require_signature": values["require_signature"],
            "key_fingerprints": [f for f in values["key_fingerprints"].splitlines() if f.strip()][:20],
            "public_keys": values["public_keys"], "default_audience": _audience_entries(db, actor, values)}


_INVALID = ("Bitte Name, Art, Adresse und ein Abrufintervall von 15 Minuten bis 7 Tagen angeben.",
            "Please give a name, kind, address and an interval between 15 minutes and 7 days.")


# ---------------------------------------------------------------- pages

def _list_page(request: Request, db: Session, actor: Actor, settings: Settings, status_code: int = 200,
               **ctx: Any) -> Response:
    found = service.list_sources(db, actor=actor)
    return render(request, "advisories/sources.html", {
        "sources": found, "quarantined": service.quarantine_counts(db), "kinds": KINDS, "status_labels": STATUS_LABELS,
        "blocked": {s.id for s in found if not host_allowed(s, settings)}, "may_write": actor.can_write,
        "values": ctx.pop("values", {"kind": "provider", "interval_minutes": "60", "require_signature": True}),
        **ctx}, status_code=status_code)


@router.get("/advisories/sources")
def sources_page(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _list_page(request, db, actor, settings)


@router.post("/advisories/sources")
async def create_source(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    service.require_staff(actor, write=True)
    values = _values(await request.form())
    try:
        source_in = forms.schema(SourceIn, {**_source_data(db, actor, values), "enabled": True}, *_INVALID)
        created = service.create_source(db, actor=actor, source_in=source_in)
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        return _list_page(request, db, actor, settings, status_code=exc.status_code, error=exc, values=values)
    return RedirectResponse(f"/advisories/sources/{created.id}", status_code=303)


def _detail(request: Request, db: Session, actor: Actor, settings: Settings, source_id: int, status_code: int = 200,
            **ctx: Any) -> Response:
    source = service.get_source(db, actor=actor, source_id=source_id)
    return render(request, "advisories/source.html", {
        "source": source, "kinds": KINDS, "status_labels": STATUS_LABELS, "blocked": not host_allowed(source, settings),
        "allowed_hosts": outbound.allowed_hosts(settings), "may_write": actor.can_write,
        "quarantine": service.list_quarantine(db, actor=actor, source_id=source.id, limit=RECENT_QUARANTINE),
        "quarantined": service.quarantine_counts(db).get(source.id, 0),
        "values": ctx.pop("values", None) or values_of(db, source), **ctx}, status_code=status_code)


@router.get("/advisories/sources/{source_id}")
def source_page(source_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _detail(request, db, actor, settings, source_id)


def _changes(db: Session, actor: Actor, source: CsafSource, values: dict[str, Any]) -> dict[str, Any]:
    """Only what the form changed: a URL saved unchanged must not reset the pull cursor."""
    stored = values_of(db, source)
    data = _source_data(db, actor, values)
    changed: dict[str, Any] = {"enabled": values["enabled"]}
    for key in ("name", "kind", "url", "interval_minutes", "require_signature", "public_keys"):
        if str(data[key]) != str(stored[key]):
            changed[key] = data[key]
    if data["key_fingerprints"] != stored["key_fingerprints"].splitlines():
        changed["key_fingerprints"] = data["key_fingerprints"]
    if any(values[k].split() != stored[k].split() for k in ("audience_orgs", "audience_orgs_strict", "audience_users")):
        changed["default_audience"] = data["default_audience"]
    return changed


@router.post("/advisories/sources/{source_id}")
async def save_source(source_id: Id, request: Request, db: DbSession, actor: PageActor,
                      settings: SettingsDep) -> Response:
    source = service.get_source(db, actor=actor, source_id=source_id)
    service.require_staff(actor, write=True)
    values = _values(await request.form())
    try:
        update = forms.schema(SourceUpdate, _changes(db, actor, source, values), *_INVALID)
        service.update_source(db, actor=actor, source_id=source_id, update=update)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _detail(request, db, actor, settings, source_id, status_code=exc.status_code, error=exc, values=values)
    return RedirectResponse(f"/advisories/sources/{source_id}", status_code=303)


@router.post("/advisories/sources/{source_id}/enabled")
async def toggle_source(source_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    enabled = (await request.form()).get("enabled") == "1"
    service.update_source(db, actor=actor, source_id=source_id, update=SourceUpdate(enabled=enabled))
    return RedirectResponse(f"/advisories/sources/{source_id}", status_code=303)


@router.post("/advisories/sources/{source_id}/pull")
def pull_source(source_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    report = service.pull_now(db, actor=actor, source_id=source_id, settings=settings)
    return _detail(request, db, actor, settings, source_id, report=report)


# ---------------------------------------------------------------- quarantine

@router.get("/advisories/quarantine")
def quarantine_page(request: Request, db: DbSession, actor: PageActor, source: str = "",
                    dismissed: str = "") -> Response:
    chosen = parse_id(source) if source else None
    found = service.list_sources(db, actor=actor)
    rows = service.list_quarantine(db, actor=actor, source_id=chosen, include_dismissed=dismissed == "1")
    uploaders = {r.uploaded_by_id for r in rows if r.uploaded_by_id}
    mails = dict(db.execute(select(User.id, User.email).where(User.id.in_(uploaders))).all()) if uploaders else {}
    return render(request, "advisories/quarantine.html", {
        "rows": rows, "sources": {s.id: s for s in found}, "chosen": chosen, "dismissed": dismissed == "1",
        "uploaders": mails, "may_write": actor.can_write, "here": str(request.url.path) + (
            f"?{request.url.query}" if request.url.query else "")})


@router.post("/advisories/quarantine/{quarantine_id}/dismiss")
async def dismiss(quarantine_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    back = safe_next(str((await request.form()).get("next", "")))
    service.dismiss(db, actor=actor, quarantine_id=quarantine_id)
    return RedirectResponse(back if back.startswith("/advisories/") else "/advisories/quarantine", status_code=303)


@router.get("/advisories/quarantine/{quarantine_id}/download")
def download(quarantine_id: Id, db: DbSession, actor: PageActor) -> Response:
    """The kept bytes, as a download that the browser never renders (the document may be hostile)."""
    row = service.get_quarantined(db, actor=actor, quarantine_id=quarantine_id)
    if row.content is None:
        raise NotFound("Der Inhalt wurde nicht aufbewahrt.", "The content was not kept.")
    name = row.url.rstrip("/").rsplit("/", 1)[-1][:100] or "dokument.json"
    return file_download(row.content, f"quarantaene-{row.id}-{name}")


# ---------------------------------------------------------------- upload

@router.get("/advisories/import")
def import_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    service.require_staff(actor, write=True)
    return render(request, "advisories/import.html", {"values": {}, "max_files": service.MAX_FILES})


@router.post("/advisories/import")
async def import_submit(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    service.require_staff(actor, write=True)
    values: dict[str, str] = {}
    try:
        try:
            form = await request.form(max_files=service.MAX_FILES, max_fields=10)
        except HTTPException as exc:
            raise InvalidInput(f"Das Formular ist zu groß oder beschädigt ({exc.detail}).",
                               f"The form is too large or damaged ({exc.detail}).") from None
        values = {k: str(form.get(k, ""))[:4000] for k in ("orgs", "users")}
        audience = Audience(orgs=tuple(sharing_service.org_ids_by_keys(db, _words(values["orgs"]))),
                            users=tuple(sharing_service.user_ids_by_emails(db, _words(values["users"]), actor=actor)))
        uploads = [(f.filename or "", await f.read()) for f in form.getlist("files")
                   if isinstance(f, UploadFile) and (f.filename or f.size)]
        results = service.import_documents(db, actor=actor, files=uploads, settings=settings, audience=audience)
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        return render(request, "advisories/import.html", {"values": values, "error": exc,
                                                          "max_files": service.MAX_FILES},
                      status_code=exc.status_code)
    return render(request, "advisories/import.html", {"values": values, "results": results,
                                                      "status_labels": STATUS_LABELS, "max_files": service.MAX_FILES})
