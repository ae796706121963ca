"""The subject types kommcert notifies about. Incidents register theirs in the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kommcert.notifications.registry import RenderContext, Rendered, register
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP

SUMMARY_CHARS = 2000


def _load_report(db: Session, report_id: int) -> Report | None:
    return db.get(Report, report_id)


def _render_report(report: Report, ctx: RenderContext) -> Rendered:
    _ = ctx._
    link = ctx.url(f"/reports/{report.id}")
    if ctx.event == "report.shared":
        subject = _("Neue Meldung: {title}", title=report.title)
        lead = _("Eine Meldung wurde mit Ihnen geteilt.")
    else:
        subject = _("Neuigkeit zur Meldung: {title}", title=report.title)
        lead = _("Eine Meldung, die Sie sehen, hat sich geändert.")
    summary = report.summary or ""
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS] + " …"
    body: list[Any] = [lead, "", f"{report.title} ({TLP(report.tlp).label})"]
    if summary:
        body += ["", summary]
    body += ["", link]
    return Rendered(subject=" ".join(subject.split())[:200], text="\n".join(body) + "\n", link=link)


register("report", _load_report, _render_report)
