"""The CERT's own warnings: write (draft), change, preview and publish as CSAF 2.0.

Who writes: analysts and admins of a CERT organisation (Landes-CERT, Kommunal-CERT), for their own
organisation. A warning is an :class:`Advisory` with ``origin=own``; the form's input is kept in
``draft["form"]`` and the document is built from it on publish (``csaf_builder``), checked by the CSAF
validator and stored through ``ingest.store_valid`` like any received document (revision, products,
events → matching).

**Drafts are hidden by the policy, not by a state check in every read.** Until it is published a
warning's row is TLP:AMBER+STRICT without audience and without ``upward``: the policy shows it to the
owner organisation only (AMBER+STRICT does not reach the CERTs without ``upward``), in every list,
export and provider directory, whoever writes the query. The TLP and audience the author chose wait
in the form and are set on publish. Lists of warnings still filter ``state == published`` so the
author's colleagues do not see drafts among the warnings.

A published warning's changes are kept in the form as well ("unveröffentlichte Änderungen") until
published again, which makes the next revision (version 2, 3, …) with an entry in the revision history.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert import __version__
from kommcert.accounts.models import Role
from kommcert.advisories import csaf_builder
from kommcert.advisories.models import RISK_ORDER, Advisory, AdvisoryOrigin, AdvisoryState, Risk
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.inventory.models import CatalogProduct
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id

MAX_PRODUCTS = 500
MAX_CVES = 200
MAX_REFERENCES = 50
CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")
DRAFT_PREFIX = "ENTWURF-"
CHANGE_SUMMARY_CHARS = 500
RISK_ORDER_VALUES = [r.value for r in RISK_ORDER]


class ProductIn(BaseModel):
    """A product the warning names: from the catalogue (``catalog_id``) or written in (vendor, product).
    ``version`` is one version or a range (``<2019 CU14``, ``vers:…``; empty: every version); ``fixed``
    the version that fixes it."""

    catalog_id: Id | None = None
    vendor: str = Field("", max_length=300)
    product: str = Field("", max_length=300)
    version: str = Field("", max_length=200)
    fixed: str = Field("", max_length=200)
    cpe: str = Field("", max_length=1000)
    purl: str = Field("", max_length=1000)


class CveIn(BaseModel):
    id: str = Field(max_length=40)
    cvss3: str = Field("", max_length=200, description="CVSS 3.1 (or 3.0) vector, scored with the cvss library.")
    cvss4: str = Field("", max_length=300, description="CVSS 4.0 vector (kept in a note: CSAF 2.0 has no field).")


class ReferenceIn(BaseModel):
    url: str = Field(max_length=2000)
    summary: str = Field("", max_length=500)


class WarningIn(BaseModel):
    """The authoring form (also the body of ``POST /api/v1/advisories/own``)."""

    title: str = Field(max_length=300)
    risk: Risk = Risk.mittel
    description: str = Field("", max_length=50_000)
    measures: str = Field("", max_length=50_000)
    products: list[ProductIn] = Field(default_factory=list, max_length=MAX_PRODUCTS)
    cves: list[CveIn] = Field(default_factory=list, max_length=MAX_CVES)
    references: list[ReferenceIn] = Field(default_factory=list, max_length=MAX_REFERENCES)
    tlp: TLP = TLP.amber
    audience_orgs: list[Id] = Field(default_factory=list, description="Addressed, with subtree.")
    audience_orgs_strict: list[Id] = Field(default_factory=list, description="Addressed, without subtree.")
    audience_users: list[Id] = Field(default_factory=list)
    upward: bool = False


# ---------------------------------------------------------------- who may write

def may_author(actor: Actor) -> bool:
    return (actor.is_authenticated and actor.user_id is not None and actor.is_cert and actor.can_write
            and actor.role in (Role.analyst, Role.admin))


def _require_author(actor: Actor) -> None:
    if not may_author(actor):
        raise PermissionDenied("Eigene Warnungen schreiben nur Analystinnen und Administratoren eines CERT.",
                               "Own warnings are written by the analysts and admins of a CERT only.")


def get_own_warning(db: Session, *, actor: Actor, advisory_id: int, ip: str | None = None) -> Advisory:
    """An own warning the actor may change: seen (else 404; drafts are seen by the owner only), written
    by the actor's organisation, and the actor an author."""
    advisory = sharing_service.get_or_404(db, Advisory, advisory_id, actor, ip=ip)
    if advisory.origin != AdvisoryOrigin.own:
        raise NotFound()
    _require_author(actor)
    if not policy.can(db, actor, policy.EDIT, advisory):
        raise PermissionDenied("Nur die Organisation, die die Warnung verfasst hat, kann sie ändern.",
                               "Only the organisation that wrote the warning can change it.")
    return advisory


def form_of(advisory: Advisory) -> dict[str, Any]:
    return dict((advisory.draft or {}).get("form") or {})


def has_pending_changes(advisory: Advisory) -> bool:
    draft = advisory.draft or {}
    return advisory.state == AdvisoryState.published and draft.get("form") != draft.get("published_form")


# ---------------------------------------------------------------- checking the form

def _score(vector: str, cve: str, version: str) -> tuple[str, float, str]:
    import cvss

    text = vector.strip()
    try:
        if version == "3":
            if not text.startswith(("CVSS:3.1/", "CVSS:3.0/")):
                raise ValueError
            parsed3 = cvss.CVSS3(text)
            return parsed3.clean_vector(), float(parsed3.base_score), str(parsed3.severities()[0])
        if not text.startswith("CVSS:4.0/"):
            raise ValueError
        parsed4 = cvss.CVSS4(text)
        return parsed4.clean_vector(), float(parsed4.base_score), str(parsed4.severity)
    except (cvss.CVSSError, ValueError, KeyError, IndexError):
        label = "3.1" if version == "3" else "4.0"
        raise InvalidInput(f"Ungültiger CVSS-{label}-Vektor bei {cve}: {text[:120]}",
                           f"Invalid CVSS {label} vector for {cve}: {text[:120]}") from None


def _checked_cves(cves: list[CveIn]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in cves:
        cve = item.id.strip().upper()
        if not CVE_ID.match(cve):
            raise InvalidInput(f"Keine CVE-Nummer: {cve[:40]} (Form CVE-2026-12345).",
                               f"Not a CVE id: {cve[:40]} (form CVE-2026-12345).")
        entry: dict[str, Any] = {"id": cve}
        if item.cvss3.strip():
            entry["cvss3"], entry["cvss3_score"], entry["cvss3_severity"] = _score(item.cvss3, cve, "3")
        if item.cvss4.strip():
            entry["cvss4"], entry["cvss4_score"], entry["cvss4_severity"] = _score(item.cvss4, cve, "4")
        out.setdefault(cve, entry)
    return list(out.values())


def _checked_products(db: Session, products: list[ProductIn]) -> list[dict[str, Any]]:
    from packageurl import PackageURL

    ids = {p.catalog_id for p in products if p.catalog_id is not None}
    catalogue = {c.id: c for c in db.scalars(select(CatalogProduct).where(CatalogProduct.id.in_(ids)))} if ids else {}
    out = []
    for item in products:
        entry = {"catalog_id": item.catalog_id, "vendor": item.vendor.strip(), "product": item.product.strip(),
                 "version": item.version.strip(), "fixed": item.fixed.strip(), "cpe": item.cpe.strip(),
                 "purl": item.purl.strip()}
        if item.catalog_id is not None:
            known = catalogue.get(item.catalog_id)
            if known is None:
                raise InvalidInput(f"Unbekanntes Produkt im Katalog: {item.catalog_id}",
                                   f"Unknown catalogue product: {item.catalog_id}")
            for key in ("vendor", "product", "version", "cpe", "purl"):
                entry[key] = entry[key] or str(getattr(known, key) or "")
        if not entry["product"]:
            raise InvalidInput("Jedes betroffene Produkt braucht einen Produktnamen.",
                               "Every affected product needs a product name.")
        if entry["fixed"] and entry["fixed"].casefold() == entry["version"].casefold():
            raise InvalidInput(f"{entry['product']}: betroffene und behobene Version sind gleich.",
                               f"{entry['product']}: the affected and the fixed version are the same.")
        if entry["fixed"] and csaf_builder.is_range(entry["fixed"]):
            raise InvalidInput(f"{entry['product']}: als behobene Version bitte eine Version angeben, keinen Bereich.",
                               f"{entry['product']}: give one fixed version, not a range.")
        if entry["cpe"] and not re.match(r"^cpe:(2\.3:[aho*\-]:|/[aho]?:)\S*$", entry["cpe"]):
            raise InvalidInput(f"Ungültige CPE: {entry['cpe'][:120]}", f"Invalid CPE: {entry['cpe'][:120]}")
        if entry["purl"]:
            try:
                PackageURL.from_string(entry["purl"])
            except ValueError:
                raise InvalidInput(f"Ungültige purl: {entry['purl'][:120]}",
                                   f"Invalid purl: {entry['purl'][:120]}") from None
        out.append(entry)
    return out


def _checked_references(references: list[ReferenceIn]) -> list[dict[str, str]]:
    out = []
    for ref in references:
        url = ref.url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
            raise InvalidInput(f"Keine gültige Adresse (http/https): {url[:120]}",
                               f"Not a valid address (http/https): {url[:120]}")
        out.append({"url": url, "summary": ref.summary.strip()})
    return out


def _checked_audience(db: Session, warning_in: WarningIn) -> dict[str, list[int]]:
    org_ids = set(warning_in.audience_orgs) | set(warning_in.audience_orgs_strict)
    if org_ids and len(set(db.scalars(select(Organization.id).where(Organization.id.in_(org_ids))))) != len(org_ids):
        raise InvalidInput("Unbekannte Organisation im Empfängerkreis.", "Unknown organisation in the audience.")
    if warning_in.audience_users:
        from kommcert.accounts.models import User

        wanted = set(warning_in.audience_users)
        if set(db.scalars(select(User.id).where(User.id.in_(wanted)))) != wanted:
            raise InvalidInput("Unbekannte Person im Empfängerkreis.", "Unknown person in the audience.")
    return {"orgs": sorted(set(warning_in.audience_orgs)),
            "orgs_strict": sorted(set(warning_in.audience_orgs_strict) - set(warning_in.audience_orgs)),
            "users": sorted(set(warning_in.audience_users))}


def checked_form(db: Session, warning_in: WarningIn) -> dict[str, Any]:
    """The form as stored in ``draft["form"]``: catalogue products resolved, CVEs scored, URLs checked."""
    title = warning_in.title.strip()
    if not title:
        raise InvalidInput("Bitte einen Titel angeben.", "Please give a title.")
    return {
        "title": title, "risk": str(warning_in.risk), "description": warning_in.description.strip(),
        "measures": warning_in.measures.strip(), "products": _checked_products(db, warning_in.products),
        "cves": _checked_cves(warning_in.cves), "references": _checked_references(warning_in.references),
        "tlp": str(warning_in.tlp), "upward": bool(warning_in.upward), "audience": _checked_audience(db, warning_in),
    }


def warning_in_of(form: dict[str, Any]) -> WarningIn:
    """The stored form back as input (the edit page, and PATCH merging into it)."""
    audience = form.get("audience") or {}
    return WarningIn(
        title=form.get("title", ""), risk=form.get("risk", "mittel"), description=form.get("description", ""),
        measures=form.get("measures", ""), tlp=form.get("tlp", "amber"), upward=bool(form.get("upward")),
        products=[ProductIn(**{k: v for k, v in p.items() if k in ProductIn.model_fields})
                  for p in form.get("products", [])],
        cves=[CveIn(id=c["id"], cvss3=c.get("cvss3", ""), cvss4=c.get("cvss4", "")) for c in form.get("cves", [])],
        references=[ReferenceIn(**r) for r in form.get("references", [])],
        audience_orgs=audience.get("orgs", []), audience_orgs_strict=audience.get("orgs_strict", []),
        audience_users=audience.get("users", []))


def _show_form(advisory: Advisory, form: dict[str, Any]) -> None:
    """A draft's own columns follow its form (lists and the preview read them); a published warning's
    columns stay as published until it is published again."""
    if advisory.state != AdvisoryState.draft:
        return
    advisory.title = form["title"]
    advisory.risk = Risk(form["risk"])
    advisory.summary = form["description"]
    advisory.measures = form["measures"]
    advisory.references = form["references"]
    advisory.cves = [c["id"] for c in form["cves"]]
    scores = [c[k] for c in form["cves"] for k in ("cvss3_score", "cvss4_score") if k in c]
    advisory.cvss_max = max(scores) if scores else None


# ---------------------------------------------------------------- use cases

def namespace(settings: Settings) -> str:
    return (settings.csaf_publisher_namespace or settings.base_url).rstrip("/")


def create_warning(db: Session, *, actor: Actor, warning_in: WarningIn, settings: Settings) -> Advisory:
    """A new draft of the actor's CERT, seen by that organisation only until published."""
    _require_author(actor)
    form = checked_form(db, warning_in)
    advisory = Advisory(
        origin=AdvisoryOrigin.own, state=AdvisoryState.draft, owner_org_id=actor.org_id, created_by_id=actor.user_id,
        tlp=TLP.amber_strict, upward=False, publisher_namespace=namespace(settings), publisher_name=settings.cert_name,
        tracking_id=f"{DRAFT_PREFIX}{uuid.uuid4().hex}", version="0", title=form["title"],
        draft={"form": form, "published_form": None})
    _show_form(advisory, form)
    db.add(advisory)
    db.flush()
    return advisory


def update_warning(db: Session, *, actor: Actor, advisory_id: int, changes: dict[str, Any],
                   ip: str | None = None) -> Advisory:
    """Change a draft, or prepare the next revision of a published warning: only the fields given change
    (``changes`` as in :class:`WarningIn`); lists given replace the list."""
    advisory = get_own_warning(db, actor=actor, advisory_id=advisory_id, ip=ip)
    if advisory.withdrawn_at is not None:
        raise Conflict("Die Warnung ist zurückgezogen.", "The warning is withdrawn.")
    merged = warning_in_of(form_of(advisory)).model_dump()
    merged.update(changes)
    try:
        warning_in = WarningIn.model_validate(merged)
    except ValidationError as exc:
        raise InvalidInput("Ungültige Angaben: " + _first_error(exc), "Invalid values: " + _first_error(exc)) from None
    form = checked_form(db, warning_in)
    advisory.draft = {**(advisory.draft or {}), "form": form}
    _show_form(advisory, form)
    advisory.updated_at = utcnow()
    db.flush()
    return advisory


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg', '')}"[:200]


def list_drafts(db: Session, *, actor: Actor) -> list[Advisory]:
    """The own organisation's drafts and published warnings with unpublished changes, newest first."""
    if not may_author(actor):
        return []
    stmt = select(Advisory).where(Advisory.origin == AdvisoryOrigin.own, Advisory.owner_org_id == actor.org_id,
                                  Advisory.withdrawn_at.is_(None)).order_by(Advisory.updated_at.desc()).limit(200)
    rows = db.scalars(policy.visible(stmt, Advisory, actor)).all()
    return [a for a in rows if a.state == AdvisoryState.draft or has_pending_changes(a)]


def next_tracking_id(db: Session, *, settings: Settings, year: int) -> str:
    prefix = f"{settings.csaf_tracking_prefix}-{year}-"
    taken = db.scalars(select(Advisory.tracking_id).where(
        Advisory.publisher_namespace == namespace(settings), Advisory.tracking_id.like(prefix + "%")))
    numbers = [int(t[len(prefix):]) for t in taken if t[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _context(db: Session, advisory: Advisory, settings: Settings, now: datetime, *, base_url: str,
             change_summary: str = "", tracking_id: str | None = None) -> csaf_builder.Context:
    from kommcert.advisories import provider

    form = form_of(advisory)
    if advisory.state == AdvisoryState.draft:
        version, initial, history = 1, now, ()
        tracking = tracking_id or next_tracking_id(db, settings=settings, year=now.year)
    else:
        tracking = advisory.tracking_id
        version = int(advisory.version) + 1 if advisory.version.isdigit() else 2
        initial = advisory.initial_release_date or now
        history = tuple((advisory.document.get("document", {}).get("tracking", {}) or {}).get("revision_history", []))
    return csaf_builder.Context(
        tracking_id=tracking, version=version, now=now, initial_release_date=initial,
        publisher_name=settings.cert_name, namespace=namespace(settings),
        self_url=provider.document_url(base_url, form.get("tlp", "amber"), initial.year, tracking),
        engine_version=__version__, revision_history=history, change_summary=change_summary[:CHANGE_SUMMARY_CHARS])


def preview(db: Session, *, actor: Actor, advisory_id: int, settings: Settings, base_url: str | None = None,
            ip: str | None = None) -> tuple[Advisory, dict[str, Any], list[str]]:
    """The warning as recipients would see it after publishing: the document that would be published now
    (with the next tracking id for a draft) and the validator's objections, if any."""
    advisory = get_own_warning(db, actor=actor, advisory_id=advisory_id, ip=ip)
    ctx = _context(db, advisory, settings, utcnow(), base_url=base_url or settings.base_url)
    document = csaf_builder.build(form_of(advisory), ctx)
    return advisory, document, [de for de, _ in _objections(form_of(advisory))] + csaf_builder.failed_tests(document)


def _objections(form: dict[str, Any]) -> list[tuple[str, str]]:
    """What our warnings need beyond CSAF (German, English): a description and an affected product."""
    out = []
    if not form.get("description"):
        out.append(("Beschreibung fehlt.", "The description is missing."))
    if not form.get("products"):
        out.append(("Mindestens ein betroffenes Produkt angeben.", "Name at least one affected product."))
    return out


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The bytes we serve, hash and sign: sorted keys, so they do not depend on how a database returns
    the JSON."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def publish_warning(db: Session, *, actor: Actor, advisory_id: int, settings: Settings, change_summary: str = "",
                    base_url: str | None = None, ip: str | None = None) -> Advisory:
    """Build the CSAF document, refuse it naming the failed tests, sign it, store it as the warning's
    newest revision (``ingest.store_valid``: revision, products, matching) and set the chosen TLP and
    audience. A published warning gets its next version."""
    from kommcert.advisories import ingest, signing

    advisory = get_own_warning(db, actor=actor, advisory_id=advisory_id, ip=ip)
    if advisory.withdrawn_at is not None:
        raise Conflict("Die Warnung ist zurückgezogen.", "The warning is withdrawn.")
    form = form_of(advisory)
    if advisory.state == AdvisoryState.published and not has_pending_changes(advisory):
        raise Conflict("Keine Änderungen seit der letzten Veröffentlichung.", "No changes since the last publication.")
    objections = _objections(form)
    if objections:
        raise InvalidInput("Noch nicht veröffentlichungsreif: " + " ".join(de for de, _ in objections),
                           "Not ready to publish: " + " ".join(en for _, en in objections))
    now = utcnow()
    ctx = _context(db, advisory, settings, now, base_url=base_url or settings.base_url, change_summary=change_summary)
    document = csaf_builder.build(form, ctx)
    failed = csaf_builder.failed_tests(document)
    if failed:
        raise InvalidInput("Das CSAF-Dokument besteht die Prüfung nicht: " + "; ".join(failed[:5]),
                           "The CSAF document fails validation: " + "; ".join(failed[:5]))
    raw = canonical_bytes(document)
    signature, fingerprint = signing.sign(db, settings=settings, data=raw)
    # store_valid finds this row by its identity, and matching (which it runs) reads published warnings only.
    advisory.tracking_id = ctx.tracking_id
    advisory.state = AdvisoryState.published
    db.flush()
    audience_form = form.get("audience") or {}
    audience = Audience(orgs=tuple(audience_form.get("orgs", ())),
                        orgs_without_subtree=tuple(audience_form.get("orgs_strict", ())),
                        users=tuple(audience_form.get("users", ())))
    stored = ingest.store_valid(db, doc=document, raw=raw, owner_org_id=advisory.owner_org_id,
                                origin=AdvisoryOrigin.own, source=None, signature_checked=True,
                                source_url=ctx.self_url, audience=audience, actor=actor)
    if stored.advisory_id != advisory.id or stored.status not in ("new", "updated"):  # pragma: no cover
        raise Conflict("Die Warnung wurde nicht als neueste Fassung gespeichert.", "Not stored as the newest revision.")
    advisory.tlp = TLP(form.get("tlp", "amber"))  # AMBER+STRICT stays strict (CSAF 2.0 says AMBER)
    advisory.upward = bool(form.get("upward"))
    advisory.measures = form.get("measures", "")
    sharing_service.set_audience(db, advisory, audience)
    advisory.draft = {**(advisory.draft or {}), "published_form": form, "signature": {
        "version": str(ctx.version), "sha256": hashlib.sha256(raw).hexdigest(), "asc": signature,
        "fingerprint": fingerprint}}
    advisory.updated_at = now
    db.flush()
    audit_service.record(db, AuditEvent(
        events.SHARED, actor_user_id=actor.user_id, org_id=advisory.owner_org_id, object_type="advisory",
        object_id=advisory.id, ip=ip, detail={"tlp": str(advisory.tlp), "tracking_id": advisory.tracking_id,
                                              "version": str(ctx.version),
                                              **{k: list(v) for k, v in audience_form.items()}}))
    return advisory


def csaf_of(db: Session, *, actor: Actor, advisory_id: int, settings: Settings,
            ip: str | None = None) -> dict[str, Any]:
    """The published document of an own warning anyone who sees it may read; for its authors, a draft's
    document as it would be published."""
    advisory = sharing_service.get_or_404(db, Advisory, advisory_id, actor, ip=ip)
    if advisory.origin != AdvisoryOrigin.own:
        raise NotFound()
    if advisory.state == AdvisoryState.published:
        return advisory.document
    return preview(db, actor=actor, advisory_id=advisory_id, settings=settings, ip=ip)[1]
