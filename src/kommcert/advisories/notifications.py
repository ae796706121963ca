"""Who hears about a warning (subject type ``advisory``), and what the mail says.

* ``announce(db, changes)``: the matcher's result for an organisation changed. To betroffen or
  möglicherweise betroffen: that organisation's people whose warning preference wants it (risk at or
  above their threshold, delivery not "none"), at once or in the daily digest as they chose — once per
  advisory, organisation and result (``key``), so a revision that does not change the result, or a
  repeated call, tells nobody again. Every change is then written to the match row
  (``notified_result``), also those that told nobody.
* ``announce_new(db, advisory)``: people who want *all* warnings they may see (scope "all") are told
  once per advisory, unless the first call already told them as an affected organisation's member.

Only people who may see the advisory are asked (the policy, per person), and the sending job checks
again (``registry`` default ``can(VIEW)`` plus "still published"); a TLP:RED warning is sent as the
link only (the job's rule). The mail names the advisory, its risk, the organisation's result, the
matched inventory lines (those the recipient may see), the measures and the link, in text and HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.advisories import preferences, service
from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryState, WarningPreference
from kommcert.notifications import registry
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import Notification
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

SUBJECT_TYPE = "advisory"
RELEVANT_EVENT = "advisory_relevant"  # the organisation's result became betroffen / möglicherweise betroffen
NEW_EVENT = "advisory_new"  # a warning for people who want all of them
TEXT_CHARS = 2000
MAX_LINES = 20


def _may_tell(db: Session, user: User, advisory: Advisory) -> bool:
    return user.is_active and policy.can(db, accounts_service.actor_for(db, user), policy.VIEW, advisory)


def _tell(db: Session, advisory: Advisory, users: list[User], prefs: dict[int, preferences.Preference], *,
          event: str, key: str, data: dict[str, Any]) -> None:
    for delivery in ("immediate", "digest"):
        chosen = [u.id for u in users if prefs[u.id].delivery == delivery]
        if chosen:
            notifications_service.notify(db, event=event, subject_type=SUBJECT_TYPE, subject_id=advisory.id,
                                         recipients=chosen, data=data, key=key, mode=delivery)


def _live(advisory: Advisory | None) -> bool:
    return advisory is not None and advisory.state == AdvisoryState.published and advisory.withdrawn_at is None


def announce(db: Session, changes: Sequence[Any]) -> None:
    """Tell the organisations whose result changed to (possibly) affected; note every change."""
    changes = list(changes)
    advisories: dict[int, Advisory | None] = {}
    for change in changes:
        if change.new not in service.RELEVANT or change.new == change.old:
            continue
        if change.advisory_id not in advisories:
            advisories[change.advisory_id] = db.get(Advisory, change.advisory_id)
        advisory = advisories[change.advisory_id]
        if advisory is None or not _live(advisory):
            continue
        users = list(db.scalars(select(User).where(User.org_id == change.org_id, User.is_active.is_(True))
                                .order_by(User.id)))
        prefs = preferences.for_users(db, [u.id for u in users])
        wanted = [u for u in users if prefs[u.id].wants(advisory.risk) and _may_tell(db, u, advisory)]
        _tell(db, advisory, wanted, prefs, event=RELEVANT_EVENT,
              key=f"advisory.{advisory.id}.{change.org_id}.{change.new}",
              data={"org_id": change.org_id, "result": change.new})
    for change in changes:
        db.execute(update(AdvisoryMatch).where(AdvisoryMatch.advisory_id == change.advisory_id,
                                               AdvisoryMatch.org_id == change.org_id)
                   .values(notified_result=change.new).execution_options(synchronize_session="fetch"))
    db.flush()


def announce_new(db: Session, advisory: Advisory) -> None:
    """People who want every warning they may see, above their threshold: once per advisory."""
    if not _live(advisory):
        return
    rows = db.execute(select(User, WarningPreference).join(WarningPreference, WarningPreference.user_id == User.id)
                      .where(WarningPreference.scope == "all", WarningPreference.delivery != "none",
                             User.is_active.is_(True)).order_by(User.id)).all()
    prefs = {u.id: preferences.of(p) for u, p in rows}
    told = set(db.scalars(select(Notification.user_id).where(
        Notification.subject_type == SUBJECT_TYPE, Notification.subject_id == advisory.id,
        Notification.user_id.in_(list(prefs)))))
    wanted = [u for u, _p in rows if u.id not in told and prefs[u.id].wants(advisory.risk)
              and _may_tell(db, u, advisory)]
    _tell(db, advisory, wanted, prefs, event=NEW_EVENT, key=f"advisory.{advisory.id}.new", data={})


# ---------------------------------------------------------------- the mail

def _load(db: Session, advisory_id: int) -> Advisory | None:
    return db.get(Advisory, advisory_id)


def _check(db: Session, actor: Actor, advisory: Advisory) -> bool:
    return _live(advisory) and policy.can(db, actor, policy.VIEW, advisory)


def _short(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + " …"


def _lines(ctx: registry.RenderContext, org_id: int | None, advisory: Advisory) -> list[str]:
    """The matched inventory lines of the organisation, as far as the recipient may see them."""
    if org_id is None:
        return []
    match = service.own_match(ctx.db, advisory.id, org_id)
    lines, _hidden = service.matched_lines(ctx.db, accounts_service.actor_for(ctx.db, ctx.user), match)
    out = []
    for line in lines[:MAX_LINES]:
        item = line.item
        name = " ".join(p for p in (item.vendor, item.product, item.version) if p)
        where = f" ({item.where_used})" if item.where_used else ""
        out.append(f"{name}{where}" + (f" – {line.why}" if line.why else ""))
    return out


def _render(advisory: Advisory, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    link = ctx.url(f"/advisories/{advisory.id}")
    risk = _(service.RISK_LABELS_DE[advisory.risk]) if advisory.risk in service.RISK_LABELS_DE else str(advisory.risk)
    org_id = ctx.data.get("org_id")
    result = ctx.data.get("result")
    org = ctx.db.get(Organization, org_id) if isinstance(org_id, int) else None
    if ctx.event == RELEVANT_EVENT and org is not None and result in service.RESULT_LABELS_DE:
        result_text = _(service.RESULT_LABELS_DE[result])
        subject = _("Warnung ({risk}): {title} – {org} {result}", risk=risk, title=advisory.title, org=org.name,
                    result=result_text)
        lead = _("Nach Ihrem Inventar ist {org} von dieser Warnung {result}.", org=org.name, result=result_text)
    else:
        subject = _("Neue Warnung ({risk}): {title}", risk=risk, title=advisory.title)
        lead = _("Eine neue Warnung, die Sie sehen dürfen.")
    lines = _lines(ctx, org_id if isinstance(org_id, int) else None, advisory)
    facts = [(_("Risiko"), risk), ("TLP", TLP(advisory.tlp).label)]
    if advisory.cves:
        facts.append(("CVE", ", ".join(advisory.cves[:10]) + (" …" if len(advisory.cves) > 10 else "")))
    summary, measures = _short(advisory.summary), _short(advisory.measures)

    text: list[str] = [lead, "", advisory.title, *[f"{k}: {v}" for k, v in facts]]
    if lines:
        text += ["", _("Ihr Inventar:"), *[f"- {line}" for line in lines]]
    if summary:
        text += ["", _("Beschreibung:"), summary]
    if measures:
        text += ["", _("Maßnahmen:"), measures]
    text += ["", _("Die Warnung, Ihren Status und alle Einzelheiten finden Sie hier:"), link, "",
             _("Welche Warnungen Sie wie erhalten, stellen Sie hier ein: {link}", link=ctx.url("/warnings/settings"))]

    def para(value: str) -> Markup:
        return Markup("<br>").join(escape(value).split("\n"))

    html: list[Markup] = [Markup("<p>{}</p>").format(lead),
                          Markup("<h1>{}</h1>").format(advisory.title),
                          Markup("<ul>{}</ul>").format(Markup("").join(
                              Markup("<li>{}: {}</li>").format(k, v) for k, v in facts))]
    if lines:
        html += [Markup("<h2>{}</h2>").format(_("Ihr Inventar")),
                 Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(x) for x in lines))]
    if summary:
        html += [Markup("<h2>{}</h2>").format(_("Beschreibung")), Markup("<p>{}</p>").format(para(summary))]
    if measures:
        html += [Markup("<h2>{}</h2>").format(_("Maßnahmen")), Markup("<p>{}</p>").format(para(measures))]
    html.append(Markup('<p><a href="{}">{}</a></p>').format(link, _("Zur Warnung in kommcert")))
    document = Markup('<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
                      "<body>{}</body></html>").format(ctx.lang, subject, Markup("").join(html))
    return registry.Rendered(subject=" ".join(subject.split())[:200], text="\n".join(text) + "\n", link=link,
                             html=str(document))


registry.register(SUBJECT_TYPE, _load, _render, check=_check)
