"""Use cases of subscriptions: add, list, get, update, remove, pull_one, pull_due.

Who may: every member of the owning organisation reads its subscriptions (a read-only token too);
its analysts and administrators add, change, remove and pull them. Anyone else gets 404, CERTs
included: a subscription names another organisation's sources and credentials, and its data reaches
the CERTs through the reports it fills, under their TLP.

Where the data goes: each subscription owns a report "Abonnement: <name>" of its organisation, with
the subscription's TLP and audience; records the source marks with another TLP go to a report of the
subscription for that TLP (same audience), so no record ever travels under a less restrictive marking
than its own. A MISP feed keeps its events apart: one report per event (and TLP), titled "Abonnement
<name>: <event info>", with the subscription's defaults where the event says nothing. Every record gets
the subscription's tags, its confidence where the source gives none, and its lifetime (else
``KOMMCERT_IOC_LIFETIME_DAYS``).

Replace or add: a CSV or text list is the source's whole current list, as MISP's feed cache treats
it: values gone from it leave the subscription's reports (so they stop being exported), values still
on it get their validity extended, new ones are added. A changed MISP event replaces that event's
values the same way. TAXII adds (``added_after`` only ever brings objects added since). Each pull is
one savepoint: fetching and reading happen before anything is written, and any failure leaves the
stored data as it was and only the health columns change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from kommcert import outbound
from kommcert.accounts.models import Role, User
from kommcert.advisories.schemas_sources import AudienceEntry
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from kommcert.indicators import importing
from kommcert.indicators.formats.records import IndicatorRecord
from kommcert.indicators.models import Indicator, Provenance
from kommcert.indicators.types import IndicatorType
from kommcert.orgs.models import Organization
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate, ReportUpdate
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions import pull
from kommcert.subscriptions.models import Subscription, SubscriptionKind
from kommcert.subscriptions.schemas import SubscriptionIn, SubscriptionUpdate

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=24)
# Audit event names (labels for the Protokoll belong in audit/events.py).
CREATED, CHANGED, REMOVED, PULLED = ("subscription_created", "subscription_changed", "subscription_removed",
                                     "subscription_pulled")
MAX_TAG_CHARS = 100


# ---------------------------------------------------------------- who may

def require_reader(actor: Actor) -> None:
    if not actor.is_authenticated or actor.org_id is None:
        raise PermissionDenied("Anmeldung erforderlich.", "Authentication required.")


def may_manage(actor: Actor) -> bool:
    return (actor.is_authenticated and actor.user_id is not None and actor.can_write
            and actor.role in (Role.admin, Role.analyst))


def require_manager(actor: Actor) -> None:
    if not may_manage(actor):
        raise PermissionDenied("Abonnements verwalten Analystinnen und Administratorinnen der Organisation.",
                               "Subscriptions are managed by the organisation's analysts and administrators.")


def _audit(db: Session, actor: Actor | None, action: str, sub: Subscription, **detail: object) -> None:
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id if actor else None,
                                        org_id=sub.owner_org_id, object_type="subscription", object_id=sub.id,
                                        detail=detail))


# ---------------------------------------------------------------- input

def _check_url(url: str, settings: Settings) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("Adresse muss mit https:// (oder http://) beginnen.", "Address must start with https://.")
    if parts.username or parts.password:
        raise InvalidInput("Zugangsdaten bitte nicht in die Adresse schreiben, sondern in Benutzer und Geheimnis.",
                           "Please give credentials as user and secret, not in the address.")
    if not outbound.is_allowed(url, settings):
        host = parts.hostname
        raise InvalidInput(f"Der Server {host} ist für Abrufe nicht freigegeben; der Betrieb muss ihn in "
                           "KOMMCERT_OUTBOUND_HOSTS eintragen.",
                           f"The server {host} is not allowed for fetches; operators must add it to "
                           "KOMMCERT_OUTBOUND_HOSTS.")
    return url


def _taxii_url(url: str, collection: str) -> str:
    """The collection's address: ``url`` itself, or the API root plus ``collections/<id>/``."""
    collection = collection.strip().strip("/")
    if not collection:
        return url if url.endswith("/") else url + "/"
    if "/" in collection or "?" in collection:
        raise InvalidInput("Sammlung: nur die Kennung (ohne /).", "Collection: the id only (no /).")
    return f"{url.rstrip('/')}/collections/{collection}/"


def _tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = " ".join(tag.split())[:MAX_TAG_CHARS]
        if tag and tag not in out:
            out.append(tag)
    return out


def _audience(db: Session, entries: list[AudienceEntry]) -> list[dict]:
    from kommcert.advisories.sources import _audience as checked

    return checked(db, entries)


def _audience_of(sub: Subscription) -> Audience:
    entries = sub.audience or []
    return Audience(orgs=tuple(e["org_id"] for e in entries if e.get("org_id") and e.get("subtree", True)),
                    orgs_without_subtree=tuple(e["org_id"] for e in entries
                                               if e.get("org_id") and not e.get("subtree", True)),
                    users=tuple(e["user_id"] for e in entries if e.get("user_id")))


# ---------------------------------------------------------------- use cases

def list_subscriptions(db: Session, *, actor: Actor) -> Sequence[Subscription]:
    require_reader(actor)
    return db.scalars(select(Subscription).where(Subscription.owner_org_id == actor.org_id)
                      .order_by(Subscription.name, Subscription.id)).all()


def get_subscription(db: Session, *, actor: Actor, subscription_id: int) -> Subscription:
    require_reader(actor)
    found = db.get(Subscription, subscription_id)
    if found is None or found.owner_org_id != actor.org_id:
        raise NotFound("Abonnement nicht gefunden.", "Subscription not found.")
    return found


def _title(name: str, tlp: TLP | None = None) -> str:
    return f"Abonnement: {name}"[:280] + (f" ({tlp.label})" if tlp is not None else "")


def add_subscription(db: Session, *, actor: Actor, data: SubscriptionIn, settings: Settings) -> Subscription:
    require_reader(actor)
    require_manager(actor)
    url = _check_url(data.url, settings)
    if data.kind == SubscriptionKind.taxii:
        url = _check_url(_taxii_url(url, data.collection), settings)
    name = data.name.strip()
    if not name:
        raise InvalidInput("Bitte einen Namen angeben.", "Please give a name.")
    sub = Subscription(owner_org_id=actor.org_id, name=name, kind=data.kind.value, url=url,
                       auth_user=data.username.strip(), auth_secret=data.secret, tlp=data.tlp.value,
                       audience=_audience(db, data.audience), confidence=data.confidence,
                       lifetime_days=data.lifetime_days, tags=_tags(data.tags), interval_minutes=data.interval_minutes,
                       enabled=data.enabled, cursor={}, next_attempt_at=utcnow(), created_by_id=actor.user_id,
                       acting_user_id=actor.user_id)
    audience = _audience_of(sub)
    report = reports_service.create_report(db, actor=actor, report_in=ReportCreate(
        title=_title(name), summary=_summary(sub), tlp=data.tlp, audience_orgs=list(audience.orgs),
        audience_orgs_strict=list(audience.orgs_without_subtree), audience_users=list(audience.users)))
    sub.report_id = report.id
    sub.cursor = {"reports": {data.tlp.value: report.id}}
    db.add(sub)
    db.flush()
    _audit(db, actor, CREATED, sub, name=sub.name, kind=sub.kind, url=outbound._short(sub.url))
    return sub


def _summary(sub: Subscription) -> str:
    return f"Indikatoren aus dem Abonnement „{sub.name}“ ({sub.kind}, {outbound._short(sub.url)})."


def update_subscription(db: Session, *, actor: Actor, subscription_id: int, data: SubscriptionUpdate,
                        settings: Settings) -> Subscription:
    sub = get_subscription(db, actor=actor, subscription_id=subscription_id)
    require_manager(actor)
    given = data.model_fields_set
    if "url" in given or "collection" in given:
        url = _check_url(data.url or sub.url, settings)
        if sub.kind == SubscriptionKind.taxii:
            url = _check_url(_taxii_url(url, data.collection or ""), settings)
        if url != sub.url:
            sub.url = url
            cursor = dict(sub.cursor or {})
            for key in ("validators", "added_after", "events"):
                cursor.pop(key, None)  # another source: start over (its reports stay the subscription's)
            sub.cursor = cursor
    if data.name is not None and data.name.strip():
        sub.name = data.name.strip()
    if data.username is not None:
        sub.auth_user = data.username.strip()
    if data.clear_secret:
        sub.auth_secret = ""
    elif data.secret:
        sub.auth_secret = data.secret
    for key in ("confidence", "lifetime_days"):
        if key in given:
            setattr(sub, key, getattr(data, key))
    if data.tags is not None:
        sub.tags = _tags(data.tags)
    if data.interval_minutes is not None:
        sub.interval_minutes = data.interval_minutes
    if data.enabled is not None:
        sub.enabled = data.enabled
        if data.enabled:
            sub.next_attempt_at = utcnow()
    if data.audience is not None:
        sub.audience = _audience(db, data.audience)
    if data.tlp is not None and data.tlp.value != sub.tlp:
        reports = dict((sub.cursor or {}).get("reports", {}))
        if sub.report_id is not None:
            stale = reports.get(data.tlp.value)
            if stale is not None and stale != sub.report_id:
                reports[f"old:{stale}"] = stale  # no longer filled; emptied by the next replacing pull
            reports.pop(sub.tlp, None)
            reports[data.tlp.value] = sub.report_id
        sub.tlp = data.tlp.value
        sub.cursor = {**(sub.cursor or {}), "reports": reports}
    if sub.report_id is not None and ({"tlp", "audience", "name"} & given):
        audience = _audience_of(sub)
        if db.get(Report, sub.report_id) is not None:
            reports_service.update_report(db, actor=actor, report_id=sub.report_id, report_in=ReportUpdate(
                title=_title(sub.name), tlp=TLP(sub.tlp), audience_orgs=list(audience.orgs),
                audience_orgs_strict=list(audience.orgs_without_subtree), audience_users=list(audience.users)))
    sub.acting_user_id = actor.user_id  # scheduled pulls act as whoever saved it last
    sub.updated_at = utcnow()
    db.flush()
    _audit(db, actor, CHANGED, sub, fields=sorted(given - {"secret"}) + (["secret"] if "secret" in given else []))
    return sub


def remove_subscription(db: Session, *, actor: Actor | None, subscription_id: int) -> None:
    """The subscription goes; its reports stay with their indicators (the organisation withdraws
    them like any report, if it wants them gone)."""
    if actor is None:
        sub = db.get(Subscription, subscription_id)
        if sub is None:
            raise NotFound("Abonnement nicht gefunden.", "Subscription not found.")
    else:
        sub = get_subscription(db, actor=actor, subscription_id=subscription_id)
        require_manager(actor)
    _audit(db, actor, REMOVED, sub, name=sub.name)
    db.delete(sub)
    db.flush()


# ---------------------------------------------------------------- pulling

@dataclass
class PullResult:
    subscription_id: int
    ok: bool = True
    not_modified: bool = False
    imported: int = 0
    removed: int = 0
    rejected: int = 0
    error_de: str = ""
    error_en: str = ""
    reports: list[int] = field(default_factory=list)

    def error(self, lang: str = "de") -> str:
        return self.error_de if lang == "de" else self.error_en


def health(sub: Subscription) -> str:
    if not sub.enabled:
        return "disabled"
    if sub.failures:
        return "failing"
    return "ok" if sub.last_success_at else "new"


def _acting_actor(db: Session, sub: Subscription) -> Actor:
    from kommcert.accounts import service as accounts_service

    user = db.get(User, sub.acting_user_id) if sub.acting_user_id else None
    if user is not None and user.is_active and user.org_id == sub.owner_org_id:
        actor = accounts_service.actor_for(db, user)
        if may_manage(actor):
            return actor
    raise PermissionDenied("Die Person, die das Abonnement zuletzt gespeichert hat, darf nicht mehr importieren; "
                           "bitte das Abonnement von einer Analystin oder Administratorin neu speichern lassen.",
                           "The person who last saved the subscription may no longer import; please have an "
                           "analyst or administrator save it again.")


def due(db: Session, *, now: datetime | None = None) -> Sequence[Subscription]:
    now = now or utcnow()
    return db.scalars(select(Subscription).where(
        Subscription.enabled.is_(True),
        or_(Subscription.next_attempt_at.is_(None), Subscription.next_attempt_at <= now))
        .order_by(Subscription.next_attempt_at, Subscription.id)).all()


def pull_due(db: Session, *, settings: Settings, now: datetime | None = None) -> list[PullResult]:
    """Every enabled subscription whose next attempt is due, each in a savepoint of its own."""
    return [pull_one(db, sub=sub, settings=settings) for sub in due(db, now=now)]


def pull_now(db: Session, *, actor: Actor, subscription_id: int, settings: Settings) -> PullResult:
    """"Jetzt abrufen": in the request, as the person asking, whether due or not."""
    sub = get_subscription(db, actor=actor, subscription_id=subscription_id)
    require_manager(actor)
    result = pull_one(db, sub=sub, settings=settings, actor=actor)
    _audit(db, actor, PULLED, sub, ok=result.ok, imported=result.imported, removed=result.removed)
    return result


def pull_one(db: Session, *, sub: Subscription, settings: Settings, actor: Actor | None = None) -> PullResult:
    """Pull one subscription now; the health columns record how it went. Never raises for the source's
    faults: the error is the result's (and the subscription's) one line."""
    result = PullResult(subscription_id=sub.id)
    started = utcnow()
    try:
        with db.begin_nested():
            acting = actor or _acting_actor(db, sub)
            _pull(db, sub, acting, settings, result)
    except DomainError as exc:
        result.ok, result.error_de, result.error_en = False, _line(exc.de), _line(exc.en)
    except Exception as exc:  # a bug must not stop the other subscriptions; the log has no secrets
        log.exception("subscription %s: pull failed", sub.id)
        result.ok = False
        result.error_de = f"interner Fehler ({type(exc).__name__}); Einzelheiten im Server-Protokoll"
        result.error_en = f"internal error ({type(exc).__name__}); details in the server log"
    if not result.ok:
        db.refresh(sub)  # the savepoint's rollback expired it
    _record_health(sub, result, started)
    db.flush()
    if result.ok:
        log.info("subscription %s pulled: %s new, %s removed%s", sub.id, result.imported, result.removed,
                 " (not modified)" if result.not_modified else "")
    else:
        log.warning("subscription %s pull failed: %s", sub.id, result.error_en)
    return result


def _line(text: str) -> str:
    return " ".join(text.split())[:490]


def _record_health(sub: Subscription, result: PullResult, started: datetime) -> None:
    sub.last_attempt_at = started
    interval = timedelta(minutes=sub.interval_minutes)
    if result.ok:
        sub.last_success_at = started
        sub.failing_since = None
        sub.last_error = ""
        sub.failures = 0
        sub.next_attempt_at = started + interval
        sub.last_imported, sub.last_removed = result.imported, result.removed
        sub.total_imported = (sub.total_imported or 0) + result.imported
        cursor = dict(sub.cursor or {})
        cursor.pop("last_error_en", None)
        sub.cursor = cursor
        return
    sub.failures = (sub.failures or 0) + 1
    sub.failing_since = sub.failing_since or started
    sub.last_error = result.error_de
    sub.cursor = {**(sub.cursor or {}), "last_error_en": result.error_en}
    sub.next_attempt_at = started + min(interval * (2 ** min(sub.failures, 16)), MAX_BACKOFF)


def _pull(db: Session, sub: Subscription, actor: Actor, settings: Settings, result: PullResult) -> None:
    cursor = dict(sub.cursor or {})
    kind = SubscriptionKind(sub.kind)
    if kind == SubscriptionKind.taxii:
        got = pull.fetch_taxii(sub.url, settings=settings, user=sub.auth_user, secret=sub.auth_secret,
                               added_after=cursor.get("added_after"))
    elif kind == SubscriptionKind.misp_feed:
        seen = {k: int(v.get("ts", 0)) for k, v in (cursor.get("events") or {}).items()}
        got = pull.fetch_misp_feed(sub.url, settings=settings, user=sub.auth_user, secret=sub.auth_secret,
                                   validators=cursor.get("validators"), seen=seen)
    else:
        got = pull.fetch_list(sub.url, kind.value, settings=settings, user=sub.auth_user, secret=sub.auth_secret,
                              validators=cursor.get("validators"))
    result.not_modified = got.not_modified
    if got.not_modified:
        return
    store = _Store(db, sub, actor, settings, result)
    if kind == SubscriptionKind.misp_feed:
        events = dict(cursor.get("events") or {})
        for batch in got.batches:
            entry = dict(events.get(batch.key) or {})
            slot = dict(entry.get("reports") or {})
            default = batch.tlp or TLP(sub.tlp)
            store.put(batch, slot, replace=True, default=default,
                      title=f"Abonnement {sub.name}: {batch.title or batch.key}"[:280])
            events[batch.key] = {"ts": batch.stamp, "reports": slot}
        cursor["events"] = events
    else:
        slot = dict(cursor.get("reports") or {})
        if sub.report_id is not None:
            slot.setdefault(sub.tlp, sub.report_id)
        replace = kind != SubscriptionKind.taxii
        for batch in got.batches or ([pull.Batch()] if replace else []):
            store.put(batch, slot, replace=replace, default=TLP(sub.tlp), title=_title(sub.name))
        cursor["reports"] = slot
    if got.validators is not None:
        cursor["validators"] = got.validators
    if kind == SubscriptionKind.taxii and got.added_after:
        cursor["added_after"] = got.added_after
    sub.cursor = cursor
    db.flush()


class _Store:
    """Writes one batch into the reports of a slot (TLP → report id), adding or replacing."""

    def __init__(self, db: Session, sub: Subscription, actor: Actor, settings: Settings, result: PullResult) -> None:
        self.db, self.sub, self.actor, self.result = db, sub, actor, result
        days = sub.lifetime_days
        self.lifetimes = ({t.value: days for t in IndicatorType} if days else dict(settings.ioc_lifetime_days))
        self.now = utcnow()
        self.source = outbound._short(sub.url)[:200]
        self.tags = tuple(sub.tags or [])
        from kommcert.federation.service import is_peer_subscription

        self.from_peer = is_peer_subscription(db, sub.id)  # its reports are marked received_from_peer

    def _report(self, slot: dict[str, int], tlp: TLP, title: str, default: TLP) -> Report:
        report_id = slot.get(tlp.value)
        report = self.db.get(Report, report_id) if report_id else None
        if report is not None:
            return reports_service.get_report_to_extend(self.db, actor=self.actor, report_id=report.id)
        audience = _audience_of(self.sub)
        report = reports_service.create_report(self.db, actor=self.actor, report_in=ReportCreate(
            title=(title if tlp == default else f"{title} ({tlp.label})")[:300], summary=_summary(self.sub),
            tlp=tlp, audience_orgs=list(audience.orgs), audience_orgs_strict=list(audience.orgs_without_subtree),
            audience_users=list(audience.users)))
        slot[tlp.value] = report.id
        return report

    def _existing(self, report_id: int) -> dict[tuple[str, str], tuple[int, str]]:
        rows = self.db.execute(select(Indicator.type, Indicator.value, Provenance.id).join(
            Provenance, Provenance.indicator_id == Indicator.id).where(Provenance.report_id == report_id))
        return {(t, v): (pid, t) for t, v, pid in rows}

    def put(self, batch: pull.Batch, slot: dict[str, int], *, replace: bool, default: TLP, title: str) -> None:
        self.result.rejected += batch.rejected
        groups: dict[TLP, dict[tuple[str, str], IndicatorRecord]] = {}
        for rec in batch.records:
            tlp = TLP(rec.tlp) if rec.tlp else default
            rec.tlp = tlp
            if self.tags:
                rec.tags = tuple(dict.fromkeys((*rec.tags, *self.tags)))
            if rec.confidence is None:
                rec.confidence = self.sub.confidence
            groups.setdefault(tlp, {})[(rec.type.value, rec.value)] = rec
        targets: set[int] = set()
        for tlp, records in groups.items():
            report = self._report(slot, tlp, title, default)
            report.received_from_peer = report.received_from_peer or self.from_peer
            targets.add(report.id)
            existing = self._existing(report.id)
            new = [rec for key, rec in records.items() if key not in existing]
            if new:
                done = importing.import_records(self.db, actor=self.actor, items=new, options=importing.ImportOptions(
                    report_id=report.id, tlp=tlp, source=self.source, skip_invalid=True, lifetimes=self.lifetimes))
                self.result.imported += done.imported
                self.result.rejected += done.rejected_count
            if replace:
                gone = [pid for key, (pid, _) in existing.items() if key not in records]
                kept = [(pid, kind) for key, (pid, kind) in existing.items() if key in records]
                self._remove(gone)
                self._extend(kept)
                if gone or kept:
                    report.updated_at = self.now
            if report.id not in self.result.reports:
                self.result.reports.append(report.id)
        if replace:  # reports of the slot that this batch no longer fills are emptied
            for report_id in {int(v) for v in slot.values()} - targets:
                gone = [pid for pid, _ in self._existing(report_id).values()]
                self._remove(gone)

    def _remove(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 1000):
            self.db.execute(delete(Provenance).where(Provenance.id.in_(ids[start:start + 1000])))
        self.result.removed += len(ids)

    def _extend(self, kept: list[tuple[int, str]]) -> None:
        """Values still on the list stay valid for their lifetime from now on."""
        by_kind: dict[str, list[int]] = {}
        for pid, kind in kept:
            by_kind.setdefault(kind, []).append(pid)
        for kind, ids in by_kind.items():
            until = self.now + timedelta(days=self.lifetimes.get(kind, 90))
            for start in range(0, len(ids), 1000):
                self.db.execute(update(Provenance).where(
                    Provenance.id.in_(ids[start:start + 1000]),
                    or_(Provenance.valid_until.is_(None), Provenance.valid_until < until)).values(valid_until=until))


def read_model(sub: Subscription) -> dict[str, Any]:
    """What pages and the API show: never the secret."""
    return {"id": sub.id, "owner_org_id": sub.owner_org_id, "name": sub.name, "kind": sub.kind, "url": sub.url,
            "username": sub.auth_user, "has_secret": bool(sub.auth_secret), "tlp": sub.tlp,
            "audience": list(sub.audience or []), "confidence": sub.confidence, "lifetime_days": sub.lifetime_days,
            "tags": list(sub.tags or []), "interval_minutes": sub.interval_minutes, "enabled": sub.enabled,
            "report_id": sub.report_id, "health": health(sub), "last_attempt_at": sub.last_attempt_at,
            "last_success_at": sub.last_success_at, "failing_since": sub.failing_since,
            "last_error": sub.last_error, "failures": sub.failures, "next_attempt_at": sub.next_attempt_at,
            "last_imported": sub.last_imported, "last_removed": sub.last_removed,
            "total_imported": sub.total_imported, "created_at": sub.created_at}


def org_name(db: Session, org_id: int) -> str:
    org = db.get(Organization, org_id)
    return org.name if org else ""
