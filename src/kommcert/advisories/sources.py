"""Use cases of CSAF sources, the quarantine and document imports: for the CERT's analysts and
administrators only (other organisations neither see sources nor the quarantine: 403)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role, User
from kommcert.advisories import ingest, pull, signatures
from kommcert.advisories.models import CsafSource, QuarantinedDocument
from kommcert.advisories.schemas_sources import AudienceEntry, SourceIn, SourceUpdate
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied, TooLarge
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience

MAX_FILES = 50
_FINGERPRINT = re.compile(r"^[0-9A-F]{40}([0-9A-F]{24})?$")


def require_staff(actor: Actor, *, write: bool = False) -> None:
    """CERT analysts and administrators (a read-only token may read)."""
    if not (actor.is_authenticated and actor.is_cert and actor.role in (Role.admin, Role.analyst)):
        raise PermissionDenied("Nur für Analystinnen und Administratorinnen eines CERT.",
                               "Only for analysts and administrators of a CERT.")
    if write and not actor.can_write:
        raise PermissionDenied("Dieser Zugang darf nur lesen.", "This credential is read-only.")


def _check_url(url: str, kind: str) -> str:
    url = url.strip()
    if kind == "domain" and "://" not in url:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", url.lower()):
            raise InvalidInput("Keine gültige Domain.", "Not a valid domain.")
        return url.lower()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("Adresse muss mit https:// (oder http://) beginnen.", "Address must start with https://.")
    return url


def _audience(db: Session, entries: list[AudienceEntry]) -> list[dict]:
    out = []
    for entry in entries:
        if (entry.org_id is None) == (entry.user_id is None):
            raise InvalidInput("Empfänger: genau eine Organisation oder eine Person je Eintrag.",
                               "Audience: exactly one organisation or one person per entry.")
        if entry.org_id is not None:
            if db.get(Organization, entry.org_id) is None:
                raise InvalidInput("Unbekannte Organisation im Empfängerkreis.",
                                   "Unknown organisation in the audience.")
            out.append({"org_id": entry.org_id, "subtree": entry.subtree})
        else:
            if db.get(User, entry.user_id) is None:
                raise InvalidInput("Unbekannte Person im Empfängerkreis.", "Unknown person in the audience.")
            out.append({"user_id": entry.user_id})
    return out


def _keys(public_keys: str, fingerprints: list[str]) -> tuple[str, list[str]]:
    pins = [signatures.normalise_fingerprint(f) for f in fingerprints if f.strip()]
    if any(not _FINGERPRINT.match(p) for p in pins):
        raise InvalidInput("Fingerabdruck: 40 oder 64 Hexadezimalzeichen.", "Fingerprint: 40 or 64 hex digits.")
    if public_keys.strip():
        public_keys = signatures.public_armor(public_keys, pinned=pins)
        pins = pins or signatures.fingerprints(public_keys)
    return public_keys, pins


def _audit(db: Session, actor: Actor, action: str, object_type: str, object_id: int | None, **detail: object) -> None:
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type=object_type, object_id=object_id, detail=detail))


def list_sources(db: Session, *, actor: Actor) -> Sequence[CsafSource]:
    require_staff(actor)
    return db.scalars(select(CsafSource).order_by(CsafSource.name, CsafSource.id)).all()


def quarantine_counts(db: Session) -> dict[int, int]:
    rows = db.execute(select(QuarantinedDocument.source_id, func.count()).where(
        QuarantinedDocument.dismissed_at.is_(None), QuarantinedDocument.source_id.is_not(None)).group_by(
        QuarantinedDocument.source_id)).all()
    return {int(source_id): int(count) for source_id, count in rows}


def get_source(db: Session, *, actor: Actor, source_id: int) -> CsafSource:
    require_staff(actor)
    found = db.get(CsafSource, source_id)
    if found is None:
        raise NotFound("Quelle nicht gefunden.", "Source not found.")
    return found


def create_source(db: Session, *, actor: Actor, source_in: SourceIn) -> CsafSource:
    require_staff(actor, write=True)
    public_keys, pins = _keys(source_in.public_keys, source_in.key_fingerprints)
    source = CsafSource(name=source_in.name.strip(), url=_check_url(source_in.url, source_in.kind),
                        kind=source_in.kind, owner_org_id=actor.org_id, enabled=source_in.enabled,
                        default_audience=_audience(db, source_in.default_audience), public_keys=public_keys,
                        key_fingerprints=pins, require_signature=source_in.require_signature,
                        interval_minutes=source_in.interval_minutes)
    db.add(source)
    db.flush()
    _audit(db, actor, events.CSAF_SOURCE_CREATED, "csaf_source", source.id, name=source.name, kind=source.kind,
           url=source.url)
    return source


def update_source(db: Session, *, actor: Actor, source_id: int, update: SourceUpdate) -> CsafSource:
    source = get_source(db, actor=actor, source_id=source_id)
    require_staff(actor, write=True)
    given = update.model_fields_set
    kind = update.kind or source.kind
    if "url" in given or "kind" in given:
        source.url = _check_url(update.url or source.url, kind)
        source.kind = kind
        source.cursor = {}
    for name in ("name", "enabled", "require_signature", "interval_minutes"):
        if name in given and getattr(update, name) is not None:
            setattr(source, name, getattr(update, name))
    if "default_audience" in given and update.default_audience is not None:
        source.default_audience = _audience(db, update.default_audience)
    if "public_keys" in given or "key_fingerprints" in given:
        keys = update.public_keys if update.public_keys is not None else source.public_keys
        pins = update.key_fingerprints if update.key_fingerprints is not None else source.key_fingerprints
        source.public_keys, source.key_fingerprints = _keys(keys, pins)
    source.updated_at = utcnow()
    db.flush()
    _audit(db, actor, events.CSAF_SOURCE_CHANGED, "csaf_source", source.id, fields=sorted(given))
    return source


def pull_now(db: Session, *, actor: Actor, source_id: int, settings: Settings) -> pull.PullReport:
    source = get_source(db, actor=actor, source_id=source_id)
    require_staff(actor, write=True)
    report = pull.pull_source(db, source, settings=settings)
    _audit(db, actor, events.CSAF_SOURCE_PULLED, "csaf_source", source.id, counts=dict(report.counts),
           errors=len(report.errors))
    return report


def import_documents(db: Session, *, actor: Actor, files: list[tuple[str, bytes]], settings: Settings,
                     audience: Audience | None = None) -> list[ingest.IngestResult]:
    """Uploaded CSAF files: each stored or quarantined on its own (answer per file)."""
    require_staff(actor, write=True)
    if not files:
        raise InvalidInput("Keine Datei ausgewählt.", "No file chosen.")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"Höchstens {MAX_FILES} Dateien auf einmal.", f"At most {MAX_FILES} files at once.")
    cap = pull.doc_cap(settings)
    results = []
    for name, raw in files:
        name = (name.replace("\\", "/").rsplit("/", 1)[-1] or "upload.json")[:200]
        if len(raw) > cap:
            raise TooLarge(f"{name}: größer als {cap // (1024 * 1024)} MiB.",
                           f"{name}: larger than {cap // (1024 * 1024)} MiB.")
        results.append(ingest.ingest(db, raw=raw, name=name, actor=actor, audience=audience))
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    _audit(db, actor, events.CSAF_IMPORTED, "csaf_import", None, files=len(results), counts=counts)
    return results


def list_quarantine(db: Session, *, actor: Actor, source_id: int | None = None, include_dismissed: bool = False,
                    limit: int = 200) -> Sequence[QuarantinedDocument]:
    require_staff(actor)
    stmt = select(QuarantinedDocument)
    if source_id is not None:
        stmt = stmt.where(QuarantinedDocument.source_id == source_id)
    if not include_dismissed:
        stmt = stmt.where(QuarantinedDocument.dismissed_at.is_(None))
    return db.scalars(stmt.order_by(QuarantinedDocument.received_at.desc(), QuarantinedDocument.id.desc())
                      .limit(min(max(limit, 1), 1000))).all()


def dismiss(db: Session, *, actor: Actor, quarantine_id: int) -> QuarantinedDocument:
    require_staff(actor, write=True)
    found = db.get(QuarantinedDocument, quarantine_id)
    if found is None:
        raise NotFound("Eintrag nicht gefunden.", "Entry not found.")
    if found.dismissed_at is None:
        found.dismissed_at = utcnow()
        db.flush()
        _audit(db, actor, events.CSAF_QUARANTINE_DISMISSED, "csaf_quarantine", found.id, name=found.url[:200],
               source_id=found.source_id)
    return found


def get_quarantined(db: Session, *, actor: Actor, quarantine_id: int) -> QuarantinedDocument:
    """One quarantine entry (its kept bytes are loaded only when ``content`` is read)."""
    require_staff(actor)
    found = db.get(QuarantinedDocument, quarantine_id)
    if found is None:
        raise NotFound("Eintrag nicht gefunden.", "Entry not found.")
    return found
