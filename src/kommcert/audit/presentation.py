"""The Protokoll as people read it: names instead of ids, German event texts, objects with links,
details as short German phrases.

Works on what :func:`kommcert.audit.reading.readable` left of each entry (so hidden reports stay
hidden), and names only what the reader may see: a report's title only when the policy lets the
reader see the report, an indicator's value only when one of its reports is visible to the reader.
Keys that could carry a secret are never shown, whatever an entry holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit.schemas import AuditRead
from kommcert.sharing.actor import Actor

# Object kinds as the filter offers them; the keys are the stored ``object_type``.
OBJECT_LABELS_DE = {
    "report": "Meldung",
    "advisory": "Warnung",
    "inventory": "Inventar",
    "csaf_source": "CSAF-Quelle",
    "csaf_import": "CSAF-Einlesen",
    "csaf_quarantine": "CSAF-Quarantäne",
    "catalog_alias": "Produktkatalog-Alias",
    "incident": "Vorfall",
    "deployment": "Einsatz",
    "indicator_import": "Indikator-Import",
    "indicator": "Indikator",
    "sightings": "Sichtungen",
    "feed": "Feed/Export",
    "api_token": "API-Token",
    "user": "Benutzerkonto",
    "contact": "Kontakt",
    "audit_log": "Protokoll",
    "awareness_topic": "Schulungsthema",
    "awareness_event": "Schulungstermin",
    "awareness_profile": "Sensibilisierungsangaben",
    "phishing_campaign": "Phishing-Kampagne",
    "awareness_suggestion": "Schulungsvorschlag",
}

# Detail keys in German; anything not listed here is left out (a new key is shown only once
# someone decided that it may be shown).
DETAIL_LABELS_DE = {
    "tlp": "TLP",
    "orgs": "Empfänger",
    "orgs_strict": "Empfänger (ohne untergeordnete)",
    "users": "Benannte Personen",
    "source": "Quelle",
    "imported": "übernommen",
    "new": "neu",
    "rejected": "fehlerhaft",
    "skipped": "übersprungen",
    "reports": "Meldungen",
    "name": "Name",
    "scope": "Recht",
    "prefix": "Token-Anfang",
    "for_user": "für",
    "service": "Organisationstoken",
    "role": "Rolle",
    "email": "E-Mail",
    "is_active": "aktiv",
    "require_totp": "zweiter Faktor Pflicht",
    "path": "Adresse",
    "types": "Typen",
    "format": "Format",
    "rows": "Zeilen",
    "via": "über",
    "comment_id": "Kommentar",
    "files": "Dateien",
    "attachment_id": "Anhang",
    "size": "Größe (Bytes)",
    "sha256": "SHA-256",
    "reason": "Grund",
    "during": "bei",
    "password": "Passwort",
    "sessions_ended": "beendete Sitzungen",
    "expires_at": "gültig bis",
    "by_org_id": "durch",
    "actor_org_id": "Organisation der Person",
    "override": "trotz Warnliste",
    "review_state": "Prüfstatus",
    "created": "neu",
    "duplicates": "schon bekannt",
    "deleted": "gelöscht",
    "hidden": "Inhalt",
    "granted": "erlaubt",
    "provider_access": "Einblick für den IT-Dienstleister",
    "title": "Titel",
    "withdrawn": "zurückgezogen",
    "from": "vorher",
    "to": "nachher",
    "capacity": "Plätze",
    "names_recorded": "Namen erfasst",
    "items": "Punkte",
    "groups": "Gruppen",
    "merged": "zusammengefasste Gruppen",
    "recipients": "Empfänger/innen",
    "sent": "versendet",
    "opened": "geöffnet",
    "clicked": "geklickt",
    "submitted": "Daten eingegeben",
    "reported": "gemeldet",
    "cause": "Ursache",
}
SECRET_MARKERS = ("secret", "hash", "totp", "code")
VALUE_WORDS_DE = {
    "True": "ja", "False": "nein", True: "ja", False: "nein",
    "changed": "geändert", "password_change": "Passwortänderung",
    "token_for_other_user": "Token für eine andere Person",
    "read": "nur lesen", "read_write": "lesen und schreiben",
    "admin": "Administrator/in", "member": "Mitglied", "analyst": "Analyst/in", "reader": "nur lesend",
    "cli": "Kommandozeile", "misp-feed": "MISP-Feed-Dateien",
    "open": "offen", "in_progress": "in Bearbeitung", "done": "behoben", "not_affected": "nicht betroffen",
}


@dataclass
class Link:
    text: str
    href: str | None = None


@dataclass
class Row:
    id: int
    created_at: datetime
    action: str
    label: str
    who: Link
    org: Link
    object: Link | None
    details: list[tuple[str, list[Link]]] = field(default_factory=list)
    ip: str | None = None


@dataclass
class _Names:
    users: dict[int, str]
    orgs: dict[int, str]
    reports: dict[int, str]  # visible reports only
    indicators: dict[int, str]  # visible indicators only
    tokens: dict[int, str]


def _ints(values: Iterable[Any]) -> set[int]:
    out = set()
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            out.add(v)
        elif isinstance(v, str) and v.isdigit() and len(v) < 11:
            out.add(int(v))
    return out


def _names(db: Session, actor: Actor, entries: Sequence[AuditRead]) -> _Names:
    from kommcert.accounts.models import ApiToken, User
    from kommcert.indicators.models import Indicator, Provenance
    from kommcert.orgs.models import Organization
    from kommcert.reports.models import Report
    from kommcert.sharing import policy

    user_ids, org_ids, report_ids, indicator_ids, token_ids = set(), set(), set(), set(), set()
    for e in entries:
        d = e.detail or {}
        user_ids |= _ints([e.actor_user_id, d.get("for_user"), *(d.get("users") or [])])
        org_ids |= _ints([e.org_id, d.get("by_org_id"), d.get("actor_org_id"), *(d.get("orgs") or []),
                          *(d.get("orgs_strict") or [])])
        report_ids |= _ints(d.get("reports") or [])
        if e.object_type == "report":
            report_ids |= _ints([e.object_id])
        elif e.object_type == "user":
            user_ids |= _ints([e.object_id])
        elif e.object_type == "indicator":
            indicator_ids |= _ints([e.object_id])
        elif e.object_type == "api_token":
            token_ids |= _ints([e.object_id])
    users = dict(db.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    orgs = dict(db.execute(select(Organization.id, Organization.name)
                           .where(Organization.id.in_(org_ids))).all()) if org_ids else {}
    reports = dict(db.execute(policy.visible(select(Report.id, Report.title).where(Report.id.in_(report_ids)),
                                             Report, actor)).all()) if report_ids else {}
    indicators: dict[int, str] = {}
    if indicator_ids:
        seen = policy.visible(select(Report.id), Report, actor)
        rows = db.execute(select(Indicator.id, Indicator.value).where(
            Indicator.id.in_(indicator_ids),
            select(Provenance.id).where(Provenance.indicator_id == Indicator.id,
                                        Provenance.report_id.in_(seen)).exists())).all()
        indicators = {i: v for i, v in rows}
    tokens = dict(db.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(token_ids))).all()) \
        if token_ids else {}
    return _Names(users, orgs, reports, indicators, tokens)


def _report(names: _Names, report_id: int, gettext: Any) -> Link:
    if report_id in names.reports:
        return Link(f"{gettext('Meldung')} „{names.reports[report_id]}“", f"/reports/{report_id}")
    return Link(f"{gettext('Meldung')} {report_id} ({gettext('für Sie nicht sichtbar')})")


def _object(e: AuditRead, names: _Names, gettext: Any) -> Link | None:
    kind, oid = e.object_type, e.object_id
    if not kind:
        return None
    label = gettext(OBJECT_LABELS_DE.get(kind, kind))
    number = int(oid) if oid and oid.isdigit() and len(oid) < 11 else None
    if kind == "report" and number is not None:
        return _report(names, number, gettext)
    if kind == "indicator" and number is not None:
        if number in names.indicators:
            return Link(f"{label} {names.indicators[number]}", f"/indicators/{number}")
        return Link(f"{label} {number} ({gettext('für Sie nicht sichtbar')})")
    if kind == "user" and number is not None:
        return Link(f"{label} {names.users.get(number, number)}")
    if kind == "api_token" and number is not None:
        name = names.tokens.get(number) or (e.detail or {}).get("name")
        return Link(f"{label} „{name}“" if name else f"{label} {number}", "/tokens")
    if kind == "contact":
        return Link(label, f"/orgs/{e.org_id}#kontakte" if e.org_id else None)
    if kind == "feed" and oid:
        return Link(f"{label} {oid}")
    if kind == "audit_log":
        return Link(label, "/audit")
    return Link(f"{label} {oid}" if oid else label)


def _value_links(key: str, value: Any, names: _Names, gettext: Any) -> list[Link]:
    if key in ("orgs", "orgs_strict"):
        return [Link(names.orgs.get(i, str(i)), f"/orgs/{i}") for i in sorted(_ints(value or []))] or \
            [Link(gettext("keine"))]
    if key in ("by_org_id", "actor_org_id"):
        return [Link(names.orgs.get(i, str(i)), f"/orgs/{i}") for i in _ints([value])]
    if key == "users":
        return [Link(names.users.get(i, str(i))) for i in sorted(_ints(value or []))] or [Link(gettext("keine"))]
    if key == "for_user":
        return [Link(names.users.get(i, str(i))) for i in _ints([value])]
    if key == "reports":
        return [_report(names, i, gettext) for i in sorted(_ints(value or []))]
    if key == "tlp":
        return [Link("TLP:" + str(value).upper())]
    if key == "hidden":
        return [Link(gettext("verborgen (für Sie nicht sichtbar)"))]
    if isinstance(value, list):
        return [Link(", ".join(str(v) for v in value) or gettext("keine"))]
    if isinstance(value, dict):
        # A change: {"old": …, "new": …} of the field named by ``key``.
        if set(value) >= {"old", "new"}:
            before = _value_links(key, value["old"], names, gettext)
            after = _value_links(key, value["new"], names, gettext)
            if not (before and after):
                return []
            if any(link.href for link in [*before, *after]):
                return [*before, Link("→"), *after]
            return [Link(", ".join(b.text for b in before) + " → " + ", ".join(a.text for a in after))]
        return []
    word = VALUE_WORDS_DE.get(value) if isinstance(value, str | bool) else None
    text = gettext(word) if word else str(value)
    return [Link(text if len(text) <= 200 else text[:199] + "…")]


def _details(e: AuditRead, names: _Names, gettext: Any) -> list[tuple[str, list[Link]]]:
    out = []
    for key, value in (e.detail or {}).items():
        if key not in DETAIL_LABELS_DE or any(m in key for m in SECRET_MARKERS) or value is None:
            continue
        if key == "password" and value != "changed":
            continue
        links = _value_links(key, value, names, gettext)
        if links:
            out.append((gettext(DETAIL_LABELS_DE[key]), links))
    return out


def present(db: Session, *, actor: Actor, entries: Sequence[AuditRead], gettext: Any = lambda s: s) -> list[Row]:
    """The rows of the Protokoll page, in the reader's language (``gettext`` of the page)."""
    names = _names(db, actor, entries)
    rows = []
    for e in entries:
        if e.actor_user_id is not None:
            who = Link(names.users.get(e.actor_user_id, f"{gettext('Benutzerkonto')} {e.actor_user_id}"))
        elif e.subject:
            who = Link(e.subject)
        else:
            who = Link(gettext("System"))
        org = Link(names.orgs[e.org_id], f"/orgs/{e.org_id}") if e.org_id in names.orgs else Link("–")
        rows.append(Row(id=e.id, created_at=e.created_at, action=e.action,
                        label=gettext(events.LABELS_DE.get(e.action, e.action)), who=who, org=org,
                        object=_object(e, names, gettext), details=_details(e, names, gettext), ip=e.ip))
    return rows
