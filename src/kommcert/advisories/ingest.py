"""Storing CSAF documents as advisories: from a source's pull, an upload, or the CERT's own publishing.

Identity is (publisher namespace, tracking id). Every revision is kept once per SHA-256 of its bytes;
the newest (current release date, then version) is the advisory's current one: its fields are copied
onto the advisory, its products replace the old ones and ``events.advisory_changed`` runs (matching,
notifications). An older revision only joins the history. A document that fails parsing or
validation goes to the quarantine with its reasons. Each document is stored in its own savepoint,
so one bad document never spoils a pull or an upload of several files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.advisories import csaf_documents as csaf
from kommcert.advisories import events
from kommcert.advisories.models import (
    Advisory,
    AdvisoryOrigin,
    AdvisoryProduct,
    AdvisoryRevision,
    AdvisoryState,
    CsafSource,
    QuarantinedDocument,
)
from kommcert.db import utcnow
from kommcert.errors import DomainError, InvalidInput
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

KEEP_BYTES = 2 * 1024 * 1024  # the quarantine keeps a document's bytes up to this size (for a look at it)
LIMITS = {"publisher_namespace": 500, "tracking_id": 300, "version": 64}


class Rejected(InvalidInput):
    """A valid CSAF document that may still not be stored (identity too long, an own warning's identity)."""


@dataclass
class IngestResult:
    status: str  # new | updated | unchanged | older | quarantined
    name: str = ""
    advisory_id: int | None = None
    quarantine_id: int | None = None
    tracking_id: str = ""
    version: str = ""
    reasons: list[str] = field(default_factory=list)


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def audience_from_config(entries: list[dict[str, Any]]) -> Audience:
    """A source's ``default_audience`` (``[{"org_id": 3, "subtree": true}, {"user_id": 9}]``) as an Audience."""
    orgs, strict, users = [], [], []
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("org_id"), int):
            (orgs if entry.get("subtree", True) else strict).append(entry["org_id"])
        elif isinstance(entry.get("user_id"), int):
            users.append(entry["user_id"])
    return Audience(orgs=tuple(orgs), orgs_without_subtree=tuple(strict), users=tuple(users))


def _check_identity(ident: csaf.Identity) -> None:
    for name, limit in LIMITS.items():
        if len(getattr(ident, name)) > limit:
            raise Rejected(f"Kennung zu lang: {name} hat mehr als {limit} Zeichen.",
                           f"Identity too long: {name} has more than {limit} characters.")


def _copy_fields(advisory: Advisory, doc: dict[str, Any], ident: csaf.Identity) -> None:
    advisory.publisher_name = ident.publisher_name[:300]
    advisory.version = ident.version
    advisory.category = ident.category[:64]
    advisory.lang = (ident.lang or "en")[:16]
    advisory.title = (ident.title or ident.tracking_id)[:500]
    advisory.risk = csaf.risk(doc)
    advisory.cvss_max = csaf.cvss_max(doc)
    advisory.cves = csaf.cves(doc)
    advisory.summary = csaf.summary(doc)
    advisory.references = csaf.references(doc)
    advisory.document = doc
    advisory.initial_release_date = ident.initial_release_date
    advisory.current_release_date = ident.current_release_date
    advisory.tlp = csaf.tlp(doc)


def _replace_products(db: Session, advisory: Advisory, doc: dict[str, Any]) -> None:
    db.execute(delete(AdvisoryProduct).where(AdvisoryProduct.advisory_id == advisory.id))
    db.add_all([AdvisoryProduct(advisory_id=advisory.id, product_id=e.product_id, name=e.name, vendor=e.vendor,
                                product=e.product, version=e.version, vendor_key=e.vendor_key,
                                product_key=e.product_key, cpe=e.cpe, purl=e.purl, status=e.status, cves=e.cves)
                for e in csaf.products(doc)])


def _set_audience(db: Session, advisory: Advisory, source: CsafSource | None, audience: Audience | None) -> None:
    """AMBER and RED documents reach the source's default audience (an upload: the one given)."""
    if TLP(advisory.tlp) in (TLP.clear, TLP.green):
        chosen = Audience()
    elif audience is not None:
        chosen = audience
    else:
        chosen = audience_from_config(source.default_audience) if source else Audience()
    sharing_service.set_audience(db, advisory, chosen)


def store_valid(db: Session, *, doc: dict[str, Any], raw: bytes, owner_org_id: int, origin: AdvisoryOrigin | str,
                source: CsafSource | None = None, signature_checked: bool = False, source_url: str = "",
                audience: Audience | None = None, actor: Actor | None = None) -> IngestResult:
    """Store a document that passed ``csaf_documents.validate`` (the caller checked). Flushes; the
    caller owns the transaction. Raises ``Rejected`` for a document that may not be stored."""
    ident = csaf.identity(doc)
    _check_identity(ident)
    origin = AdvisoryOrigin(origin)
    digest = sha256(raw)
    result = IngestResult(status="new", name=source_url, tracking_id=ident.tracking_id, version=ident.version)
    advisory = db.scalar(select(Advisory).where(Advisory.publisher_namespace == ident.publisher_namespace,
                                                Advisory.tracking_id == ident.tracking_id))
    if advisory is not None and AdvisoryOrigin(advisory.origin) != origin and AdvisoryOrigin.own in (
            AdvisoryOrigin(advisory.origin), origin):
        raise Rejected("Die Kennung gehört einer eigenen Warnung des CERT; ein fremdes Dokument ersetzt sie nicht.",
                       "The identity belongs to one of the CERT's own warnings; another document cannot replace it.")
    if advisory is None:
        advisory = Advisory(origin=origin, state=AdvisoryState.published, publisher_namespace=ident.publisher_namespace,
                            tracking_id=ident.tracking_id, owner_org_id=owner_org_id,
                            created_by_id=actor.user_id if actor else None,
                            source_id=source.id if source else None, upward=False)
        _copy_fields(advisory, doc, ident)
        db.add(advisory)
        db.flush()
    else:
        if db.scalar(select(AdvisoryRevision.id).where(AdvisoryRevision.advisory_id == advisory.id,
                                                       AdvisoryRevision.sha256 == digest)) is not None:
            result.status, result.advisory_id = "unchanged", advisory.id
            return result
        current = csaf.Identity(advisory.publisher_namespace, advisory.tracking_id, advisory.version,
                                advisory.initial_release_date, advisory.current_release_date)
        result.status = "updated" if ident.order_key > current.order_key else "older"
    db.add(AdvisoryRevision(advisory_id=advisory.id, version=ident.version,
                            current_release_date=ident.current_release_date, sha256=digest, document=doc,
                            source_url=source_url[:2000],
                            signature_checked=signature_checked))
    result.advisory_id = advisory.id
    if result.status == "older":
        db.flush()
        return result
    if result.status == "updated":
        _copy_fields(advisory, doc, ident)
        if source is not None:
            advisory.source_id = source.id
        advisory.withdrawn_at = None
        advisory.updated_at = utcnow()
    _replace_products(db, advisory, doc)
    _set_audience(db, advisory, source, audience)
    db.flush()
    events.advisory_changed(db, advisory)
    return result


def quarantine(db: Session, *, raw: bytes | None, name: str, reasons: list[str], source: CsafSource | None = None,
               actor: Actor | None = None, doc: dict[str, Any] | None = None, size: int | None = None) -> IngestResult:
    """Keep a refused document with its reasons (and its bytes up to ``KEEP_BYTES``) for the CERT's admins."""
    ident = csaf.identity(doc) if isinstance(doc, dict) else None
    content = raw if raw is not None and len(raw) <= KEEP_BYTES else None
    row = QuarantinedDocument(
        source_id=source.id if source else None, url=name[:2000], sha256=sha256(raw) if raw is not None else "",
        size=size if size is not None else len(raw or b""),
        publisher_namespace=ident.publisher_namespace[:500] if ident else "",
        tracking_id=ident.tracking_id[:300] if ident else "", reasons=[csaf._line(r) for r in reasons][:50],
        content=content, uploaded_by_id=actor.user_id if actor and source is None else None)
    db.add(row)
    db.flush()
    return IngestResult(status="quarantined", name=name, quarantine_id=row.id, reasons=list(row.reasons),
                        tracking_id=row.tracking_id, version=ident.version if ident else "")


def ingest(db: Session, *, raw: bytes, name: str, source: CsafSource | None = None, actor: Actor | None = None,
           signature_checked: bool = False, audience: Audience | None = None) -> IngestResult:
    """Parse, validate and store one document in its own savepoint; anything refused lands in the
    quarantine (in a savepoint of its own), so the caller's transaction carries on either way.

    The owner is the source's organisation, for an upload the uploader's."""
    owner_org_id = source.owner_org_id if source is not None else (actor.org_id if actor else None)
    if owner_org_id is None:
        raise InvalidInput("Ohne Quelle braucht das Einlesen eine Person mit Organisation.",
                           "Without a source, importing needs a person with an organisation.")
    doc: dict[str, Any] | None = None
    try:
        doc = csaf.parse(raw)
        reasons = csaf.validate(doc)
        if not reasons:
            with db.begin_nested():
                result = store_valid(db, doc=doc, raw=raw, owner_org_id=owner_org_id, origin=AdvisoryOrigin.csaf,
                                     source=source, signature_checked=signature_checked, source_url=name,
                                     audience=audience, actor=actor)
            result.name = name
            return result
    except DomainError as exc:
        reasons = [exc.de]
    with db.begin_nested():
        return quarantine(db, raw=raw, name=name, reasons=reasons, source=source, actor=actor, doc=doc)
