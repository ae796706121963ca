"""Large imports as jobs: the file waits on disk, a process of its own imports it, the page follows.

``start`` queues the job in the caller's transaction; the delivery layer commits and starts it
(``jobs.runner``). ``run`` is the job: it acts as the uploader again (a user deactivated or a token
revoked meanwhile imports nothing), imports in one transaction like every import, keeps the counts
(or the one-line error) as the job's result and removes the file. ``status`` is for the uploader only.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ApiToken, User
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import DomainError, NotFound, PermissionDenied
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.formats.records import Reject, Skip
from kommcert.jobs import service as jobs_service
from kommcert.jobs.handlers import register
from kommcert.jobs.models import Job, JobStatus
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.uploads import service as uploads_service
from kommcert.uploads.models import Upload

KIND = "indicators.import"
LINE_FORMATS = frozenset({"text", "csv", "freetext"})


@dataclass
class ImportStatus:
    job_id: int
    state: str  # queued, running, done, failed
    filename: str
    size: int
    values_read: int = 0
    values_expected: int | None = None  # lines of a line format; None: unknown
    result: dict[str, Any] | None = None  # ImportResult as a dict, when done
    error: dict[str, str] | None = None  # {"de", "en", "status"}, when it failed
    report_id: int | None = None  # the existing report the import adds to

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def _options_payload(options: importing.ImportOptions) -> dict[str, Any]:
    return {"title": options.title, "summary": options.summary, "tlp": str(options.tlp),
            "skip_invalid": options.skip_invalid, "report_id": options.report_id,
            "audience": {"orgs": list(options.audience.orgs),
                         "orgs_without_subtree": list(options.audience.orgs_without_subtree),
                         "users": list(options.audience.users)}}


def _options(data: dict[str, Any]) -> importing.ImportOptions:
    audience = data.get("audience") or {}
    return importing.ImportOptions(
        title=data.get("title"), summary=data.get("summary") or "", tlp=TLP(data.get("tlp", "amber")),
        skip_invalid=bool(data.get("skip_invalid")), report_id=data.get("report_id"),
        audience=Audience(orgs=tuple(audience.get("orgs", ())),
                          orgs_without_subtree=tuple(audience.get("orgs_without_subtree", ())),
                          users=tuple(audience.get("users", ()))))


def start(db: Session, *, actor: Actor, upload: Upload, fmt: str, options: importing.ImportOptions,
          reader_options: dict[str, Any] | None = None) -> Job:
    """Queue the import of ``upload`` (the actor's own) as the actor."""
    if not actor.can_write or actor.user_id is None or upload.user_id != actor.user_id:
        raise PermissionDenied("Dieser Zugang darf nichts importieren.", "This credential may not import.")
    payload = {"upload_id": upload.id, "user_id": actor.user_id, "token_id": actor.token_id, "format": str(fmt),
               "name": upload.filename, "options": _options_payload(options),
               "reader_options": reader_options or {}}
    return jobs_service.enqueue(db, KIND, payload, max_attempts=1)


def _actor(db: Session, payload: dict[str, Any]) -> Actor:
    user = db.get(User, payload["user_id"])
    token = db.get(ApiToken, payload["token_id"]) if payload.get("token_id") else None
    if user is None or not user.is_active or (token is not None and not token.is_usable(utcnow())):
        raise PermissionDenied("Der Zugang, mit dem der Import begonnen wurde, gilt nicht mehr.",
                               "The credential that started the import is no longer valid.")
    return accounts_service.actor_for(db, user, token=token)


class _Progress:
    """Values read so far, in a small file beside the upload (a second database connection would
    wait for the import's write lock on SQLite)."""

    def __init__(self, settings: Settings, upload: Upload, expected: int | None) -> None:
        self.path = uploads_service.path_of(settings, upload).with_suffix(".progress")
        self.expected = expected
        self(0)

    def __call__(self, values: int) -> None:
        scratch = self.path.with_suffix(".progress-new")
        scratch.write_text(json.dumps({"values": values, "expected": self.expected}))
        os.replace(scratch, self.path)


def _count_lines(path: os.PathLike[str]) -> int:
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


@register(KIND)
def run(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    upload = db.get(Upload, payload["upload_id"])
    if upload is None:
        return {"error": {"de": "Die hochgeladene Datei ist nicht mehr da.", "en": "The uploaded file is gone.",
                          "status": 404}}
    path = uploads_service.path_of(settings, upload)
    fmt = payload["format"]
    progress = _Progress(settings, upload, _count_lines(path) if fmt in LINE_FORMATS else None)
    try:
        result = indicators_service.import_path(
            db, actor=_actor(db, payload), settings=settings, fmt=fmt, path=str(path), name=payload["name"],
            options=_options(payload["options"]), reader_options=payload.get("reader_options") or None,
            progress=progress)
    except DomainError as exc:
        db.rollback()  # nothing half-imported; the file goes, the answer stays
        uploads_service.discard(db, settings=settings, upload=db.merge(upload))
        return {"error": {"de": exc.de, "en": exc.en, "status": exc.status_code}}
    uploads_service.discard(db, settings=settings, upload=upload)
    return {"result": dataclasses.asdict(result)}


def result_of(found: ImportStatus) -> importing.ImportResult | None:
    """The finished import's counts as the importer gave them (pages render one kind of result)."""
    if found.result is None:
        return None
    names = {f.name for f in dataclasses.fields(importing.ImportResult)}
    values = {k: v for k, v in found.result.items() if k in names}
    values["rejects"] = [Reject(**r) for r in values.get("rejects", [])]
    values["skipped"] = [Skip(**r) for r in values.get("skipped", [])]
    return importing.ImportResult(**values)


def status(db: Session, *, actor: Actor, settings: Settings, job_id: int) -> ImportStatus:
    job = db.get(Job, job_id, populate_existing=True)
    if job is None or job.kind != KIND or actor.user_id is None or job.payload.get("user_id") != actor.user_id:
        raise NotFound("Import nicht gefunden.", "Import not found.")
    upload = db.get(Upload, job.payload["upload_id"])
    found = ImportStatus(job_id=job.id, state=str(job.status), filename=job.payload.get("name", ""),
                         size=upload.size if upload is not None else 0,
                         report_id=(job.payload.get("options") or {}).get("report_id"))
    answer = job.result or {}
    if job.status == JobStatus.failed:
        found.error = {"de": "Der Import ist an einem internen Fehler gescheitert; nichts wurde übernommen.",
                       "en": "The import failed with an internal error; nothing was imported.", "status": 500}
    elif "error" in answer:
        found.state, found.error = "failed", answer["error"]
    elif "result" in answer:
        found.result = answer["result"]
    if upload is not None and not found.finished:
        try:
            counts = json.loads(uploads_service.path_of(settings, upload).with_suffix(".progress").read_text())
            found.values_read, found.values_expected = int(counts["values"]), counts.get("expected")
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return found
