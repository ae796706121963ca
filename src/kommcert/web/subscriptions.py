"""Pages of the subscriptions ("Abonnements"): the list with health and the add form, a detail page
with "Jetzt abrufen", editing and removing. Members of the organisation read; its analysts and
administrators write (``subscriptions.service``: 403 for the others, 404 for other organisations).

A refused form renders again with its 4xx status, so nothing it wrote is kept (``deps.get_db``). The
secret field is always empty: a stored secret is never sent back to the browser; leaving the field
empty keeps it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kommcert import outbound
from kommcert.accounts.models import User
from kommcert.advisories.schemas_sources import AudienceEntry
from kommcert.config import Settings
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError, InvalidInput
from kommcert.orgs.models import Organization
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions import service
from kommcert.subscriptions.models import KIND_LABELS_DE, Subscription
from kommcert.subscriptions.schemas import SubscriptionIn, SubscriptionUpdate
from kommcert.validation import Id
from kommcert.web import forms
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_SPLIT = re.compile(r"[\s,;]+")
FIELDS = ("name", "kind", "url", "collection", "username", "secret", "tlp", "confidence", "lifetime_days", "tags",
          "interval_minutes", "audience_orgs", "audience_orgs_strict", "audience_users")
_INVALID = ("Bitte Name, Art, Adresse und ein Abrufintervall von 5 Minuten bis 7 Tagen angeben; Vertrauen 0 bis "
            "100, Lebensdauer 1 bis 3650 Tage.",
            "Please give a name, kind, address and an interval between 5 minutes and 7 days; confidence 0 to 100, "
            "lifetime 1 to 3650 days.")


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.strip()) if w][:200]


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).replace("\r\n", "\n")[:4000] for k in FIELDS}
    values["enabled"] = form.get("enabled", "1") == "1"
    values["clear_secret"] = str(form.get("clear_secret", ""))
    return values


def _number(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(*_INVALID) from None


def _data(db: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    audience = [AudienceEntry(org_id=i, subtree=True)
                for i in sharing_service.org_ids_by_keys(db, _words(values["audience_orgs"]))]
    audience += [AudienceEntry(org_id=i, subtree=False)
                 for i in sharing_service.org_ids_by_keys(db, _words(values["audience_orgs_strict"]))]
    audience += [AudienceEntry(user_id=i)
                 for i in sharing_service.user_ids_by_emails(db, _words(values["audience_users"]), actor=actor)]
    return {"name": values["name"], "kind": values["kind"], "url": values["url"].strip(),
            "collection": values["collection"].strip(), "username": values["username"].strip(),
            "secret": values["secret"], "tlp": values["tlp"] or "amber", "confidence": _number(values["confidence"]),
            "lifetime_days": _number(values["lifetime_days"]),
            "tags": [t.strip() for t in values["tags"].split(",") if t.strip()][:20],
            "interval_minutes": _number(values["interval_minutes"]) or 60, "audience": audience,
            "enabled": values["enabled"]}


def values_of(db: Session, sub: Subscription) -> dict[str, Any]:
    """The form's values for a stored subscription (organisations by key, people by address, no secret)."""
    audience = sub.audience or []
    org_ids = [e["org_id"] for e in audience if e.get("org_id")]
    user_ids = [e["user_id"] for e in audience if e.get("user_id")]
    keys = dict(db.execute(select(Organization.id, Organization.key).where(Organization.id.in_(org_ids))).all())
    mails = dict(db.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    return {"name": sub.name, "kind": sub.kind, "url": sub.url, "collection": "", "username": sub.auth_user,
            "secret": "", "tlp": sub.tlp, "confidence": "" if sub.confidence is None else str(sub.confidence),
            "lifetime_days": "" if sub.lifetime_days is None else str(sub.lifetime_days),
            "tags": ", ".join(sub.tags or []), "interval_minutes": str(sub.interval_minutes),
            "audience_orgs": "\n".join(keys.get(e["org_id"], "") for e in audience
                                       if e.get("org_id") and e.get("subtree", True)),
            "audience_orgs_strict": "\n".join(keys.get(e["org_id"], "") for e in audience
                                              if e.get("org_id") and not e.get("subtree", True)),
            "audience_users": "\n".join(mails.get(i, "") for i in user_ids), "enabled": sub.enabled}


def _common(actor: Actor, settings: Settings) -> dict[str, Any]:
    return {"kinds": list(KIND_LABELS_DE.items()), "tlps": list(TLP), "may_write": service.may_manage(actor),
            "health_of": service.health,
            "allowed_hosts": outbound.allowed_hosts(settings)}


def _list_page(request: Request, db: Session, actor: Actor, settings: Settings, status_code: int = 200,
               **ctx: Any) -> Response:
    return render(request, "subscriptions/list.html", {
        "subscriptions": service.list_subscriptions(db, actor=actor),
        "values": ctx.pop("values", {"kind": "text", "tlp": "amber", "interval_minutes": "60", "enabled": True}),
        **_common(actor, settings), **ctx}, status_code=status_code)


@router.get("/subscriptions")
def subscriptions_page(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _list_page(request, db, actor, settings)


@router.post("/subscriptions")
async def add_subscription(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    service.require_reader(actor)
    service.require_manager(actor)
    values = _values(await request.form())
    try:
        data = forms.schema(SubscriptionIn, _data(db, actor, values), *_INVALID)
        created = service.add_subscription(db, actor=actor, data=data, settings=settings)
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        values["secret"] = ""
        return _list_page(request, db, actor, settings, status_code=exc.status_code, error=exc, values=values)
    return RedirectResponse(f"/subscriptions/{created.id}", status_code=303)


def _detail(request: Request, db: Session, actor: Actor, settings: Settings, subscription_id: int,
            status_code: int = 200, **ctx: Any) -> Response:
    sub = service.get_subscription(db, actor=actor, subscription_id=subscription_id)
    return render(request, "subscriptions/detail.html", {
        "sub": sub, "health": service.health(sub), "kind_label": KIND_LABELS_DE.get(sub.kind, sub.kind),
        "error_en": (sub.cursor or {}).get("last_error_en", ""), "reports": sorted(
            {int(v) for v in ((sub.cursor or {}).get("reports") or {}).values()}),
        "values": ctx.pop("values", None) or values_of(db, sub), **_common(actor, settings), **ctx},
        status_code=status_code)


@router.get("/subscriptions/{subscription_id}")
def subscription_page(subscription_id: Id, request: Request, db: DbSession, actor: PageActor,
                      settings: SettingsDep) -> Response:
    return _detail(request, db, actor, settings, subscription_id)


@router.post("/subscriptions/{subscription_id}")
async def save_subscription(subscription_id: Id, request: Request, db: DbSession, actor: PageActor,
                            settings: SettingsDep) -> Response:
    sub = service.get_subscription(db, actor=actor, subscription_id=subscription_id)
    service.require_manager(actor)
    values = _values(await request.form())
    try:
        data = _data(db, actor, values)
        changes = {k: v for k, v in data.items() if k not in ("kind", "collection", "secret")}
        if data["url"] == sub.url:
            changes.pop("url")  # unchanged: the cursor stays
        if data["secret"]:
            changes["secret"] = data["secret"]
        if values.get("clear_secret") == "1":
            changes["clear_secret"] = True
        update = forms.schema(SubscriptionUpdate, changes, *_INVALID)
        service.update_subscription(db, actor=actor, subscription_id=subscription_id, data=update, settings=settings)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        values["secret"] = ""
        return _detail(request, db, actor, settings, subscription_id, status_code=exc.status_code, error=exc,
                       values=values)
    return RedirectResponse(f"/subscriptions/{subscription_id}", status_code=303)


@router.post("/subscriptions/{subscription_id}/pull")
def pull_subscription(subscription_id: Id, request: Request, db: DbSession, actor: PageActor,
                      settings: SettingsDep) -> Response:
    result = service.pull_now(db, actor=actor, subscription_id=subscription_id, settings=settings)
    return _detail(request, db, actor, settings, subscription_id, result=result)


@router.post("/subscriptions/{subscription_id}/delete")
def remove_subscription(subscription_id: Id, db: DbSession, actor: PageActor) -> Response:
    service.remove_subscription(db, actor=actor, subscription_id=subscription_id)
    return RedirectResponse("/subscriptions", status_code=303)
