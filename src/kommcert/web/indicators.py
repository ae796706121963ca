"""Indicator pages: search, detail with the sightings picture, import with preview, feeds."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from kommcert.api.taxii import ROOT as TAXII_ROOT
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError, InvalidInput
from kommcert.indicators import import_jobs, importing, readers
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.feeds import FeedFormat
from kommcert.indicators.formats.records import IndicatorRecord, Reject, Skip
from kommcert.indicators.readers import ImportFormat
from kommcert.indicators.sightings import SightingIn
from kommcert.indicators.types import IndicatorType
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.taxii import collections as taxii_collections
from kommcert.uploads import service as uploads_service
from kommcert.validation import Id, parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
PREVIEW_ROWS = 100
PAGE_SIZE = 200
_TLPS = frozenset(t.value for t in TLP)
PREVIEW_COUNT_BYTES = 8 * 1024 * 1024  # larger files: the preview shows the first rows, the import counts
MAX_FORM_FIELDS = 200_000  # a confirmed free-text preview sends one field per value
MAX_TEXT_BYTES = 32 * 1024 * 1024  # pasted text; files go to disk at any size


def _bool(value: str | None) -> bool | None:
    return {"ja": True, "nein": False}.get(value or "")


@router.get("/indicators")
def search_page(request: Request, db: DbSession, actor: PageActor, q: str = "", type: str = "",  # noqa: A002
                tag: str = "", tlp: str = "", source: str = "", seen: str = "", expired: str = "",
                before: Id | None = None, after: Id | None = None) -> Response:
    """The list, newest first, a page at a time (keyset: ``before``/``after`` an id), with the total."""
    page = indicators_service.search_page(
        db, actor=actor, size=PAGE_SIZE, before_id=before, after_id=None if before else after,
        q=q or None, type=type or None, tag=tag or None, tlp=TLP(tlp) if tlp in _TLPS else None,
        source=source or None, seen=_bool(seen), expired=_bool(expired))
    f = {"q": q, "type": type, "tag": tag, "tlp": tlp, "source": source, "seen": seen, "expired": expired}
    kept = urlencode({k: v for k, v in f.items() if v})
    return render(request, "indicators/search.html", {
        "page": page, "items": page.items, "types": list(IndicatorType), "tlps": list(TLP), "now": utcnow(),
        "f": f, "kept": kept, "size": PAGE_SIZE, "cap": indicators_service.COUNT_CAP})


@router.get("/indicators/import")
def import_page(request: Request, db: DbSession, actor: PageActor, report: Id | None = None) -> Response:
    """The import form; with ``?report=ID`` it adds to that report of the actor's organisation."""
    return _import_form(request, db, actor, target=_target(db, actor, report))


def _target(db, actor, report_id: Id | None):  # noqa: ANN001, ANN202
    """The existing report an import adds to: one the actor sees and may change, else 404/403."""
    if report_id is None:
        return None
    return reports_service.get_report_to_extend(db, actor=actor, report_id=report_id)


def _import_form(request: Request, db, actor, status_code: int = 200, **ctx: object) -> Response:  # noqa: ANN001
    return render(request, "indicators/import.html", {
        "formats": list(ImportFormat), "tlps": list(TLP), "choices": reports_service.audience_choices(db, actor=actor),
        **ctx}, status_code=status_code)


def _options(title: str, tlp: str, orgs: list[str], strict: bool, skip_invalid: bool,
             target: Report | None) -> importing.ImportOptions:
    """The import's options from the form; a value the form cannot have sent is refused, not guessed."""
    if tlp not in _TLPS:
        raise InvalidInput("Unbekannte TLP-Stufe.", "Unknown TLP level.")
    org_ids = tuple(parse_id(o) for o in orgs)
    if None in org_ids:
        raise InvalidInput("Unbekannte Organisation im Empfängerkreis.", "Unknown organisation in the audience.")
    return importing.ImportOptions(
        title=title.strip() or None, tlp=TLP(tlp), skip_invalid=skip_invalid,
        report_id=target.id if target is not None else None,
        audience=Audience(orgs=() if strict else org_ids, orgs_without_subtree=org_ids if strict else ()))


@router.post("/indicators/import")
async def import_submit(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    form = await _form(request, settings)
    action = str(form.get("action", "preview"))
    fmt = str(form.get("format", "stix"))
    title, tlp = str(form.get("title", ""))[:300], str(form.get("tlp", "amber"))
    orgs = [str(v) for v in form.getlist("orgs")]
    strict, skip_invalid = bool(form.get("strict")), bool(form.get("skip_invalid"))
    upload_field = form.get("file")
    spooled = str(form.get("upload", "")).strip()
    text = str(form.get("text", ""))
    values = [str(v) for v in form.getlist("values")]
    value_column = str(form.get("value_column", "")).strip()[:100]
    type_column = str(form.get("type_column", "")).strip()[:100]
    keep = {"title": title, "tlp": tlp, "orgs": orgs, "strict": strict, "skip_invalid": skip_invalid, "format": fmt,
            "value_column": value_column, "type_column": type_column}
    report_field = str(form.get("report", "")).strip()
    report_id = parse_id(report_field) if report_field else None
    target = _target(db, actor, report_id)
    # CSV needs a column mapping: the value column (default "value") and optionally the type column
    reader_options = {"value_column": value_column or "value", "type_column": type_column or None} \
        if fmt == ImportFormat.csv else {}
    feed_url = str(form.get("feed_url", "")).strip()[:2000]
    try:
        if report_field and report_id is None:
            raise InvalidInput("Die Meldung ist keine gültige Nummer.", "The report is not a valid number.")
        options = _options(title, tlp, orgs, strict, skip_invalid, target)
        if feed_url:
            return _import_feed(request, db, actor, settings, feed_url, options, target)
        if fmt not in {f.value for f in ImportFormat}:
            raise InvalidInput("Unbekanntes Format.", "Unknown format.")
        if values or text.strip():  # confirmed values from a free-text preview, or pasted text
            if values:
                data, fmt, name = "\n".join(values).encode(), ImportFormat.text, "Freitext"
            else:
                data, fmt, name = text.encode(), ImportFormat.freetext, "Freitext"
            if action == "import" or values:
                result = indicators_service.import_file(db, actor=actor, settings=settings, fmt=fmt,
                                                        stream=io.BytesIO(data), name=name, options=options)
                return render(request, "indicators/imported.html", {"result": result, "target": target})
            return _import_form(request, db, actor, preview=_preview(fmt, io.BytesIO(data), name, None, count=True),
                                values=keep, target=target)
        if spooled:
            upload = uploads_service.get_own(db, actor=actor, upload_id=spooled)
        elif isinstance(upload_field, UploadFile) and upload_field.filename:
            upload = uploads_service.spool(db, actor=actor, settings=settings, stream=upload_field.file,
                                           filename=upload_field.filename)
        else:
            raise InvalidInput("Bitte eine Datei wählen oder Text einfügen.", "Please choose a file or paste text.")
        if action == "import":
            return _import_upload(request, db, actor, settings, upload, fmt, options, reader_options, target)
        path = uploads_service.path_of(settings, upload)
        with open(path, "rb") as stream:
            preview = _preview(fmt, stream, upload.filename, upload.id, count=upload.size <= PREVIEW_COUNT_BYTES,
                               **reader_options)
        db.commit()  # the upload stays for the second step, also if the preview shows errors
        return _import_form(request, db, actor, preview=preview, values=keep, target=target)
    except DomainError as exc:
        # An import writes batch by batch: the error page makes get_db roll the earlier batches
        # back; rolled back here already, the form below can read the database again.
        db.rollback()
        return _import_form(request, db, actor, status_code=exc.status_code, error=exc, values=keep, target=target)


async def _form(request: Request, settings) -> FormData:  # noqa: ANN001
    """The form, with room for a confirmed free-text preview (one field per value) and pasted text."""
    try:
        return await request.form(max_files=1, max_fields=MAX_FORM_FIELDS,
                                  max_part_size=min(settings.max_upload_bytes, MAX_TEXT_BYTES))
    except HTTPException as exc:
        raise InvalidInput(f"Das Formular ist zu groß oder beschädigt ({exc.detail}). Große Listen bitte als "
                           "Datei hochladen.",
                           f"The form is too large or damaged ({exc.detail}). Please upload large lists as a file."
                           ) from None


def _preview(fmt: str, stream, name: str, upload_id: str | None, *, count: bool,  # noqa: ANN001
             **reader_options: object) -> dict[str, object]:
    """The first rows of a file; the total only where reading it all is cheap (else at least …)."""
    records, rejects, skipped, total, complete = [], [], [], 0, True
    for item in readers.read(fmt, stream, name=name, **reader_options):
        if isinstance(item, IndicatorRecord):
            total += 1
            if len(records) < PREVIEW_ROWS:
                records.append(item)
            elif not count:
                complete = False
                break
        elif isinstance(item, Reject) and len(rejects) < PREVIEW_ROWS:
            rejects.append(item)
        elif isinstance(item, Skip) and len(skipped) < PREVIEW_ROWS:
            skipped.append(item)
    return {"records": records, "rejects": rejects, "skipped": skipped, "total": total, "complete": complete,
            "name": name, "freetext": fmt == "freetext", "upload": upload_id or ""}


def _import_upload(request: Request, db, actor, settings, upload, fmt: str,  # noqa: ANN001
                   options: importing.ImportOptions, reader_options: dict, target: Report | None) -> Response:
    """A small file is imported at once; a large one by a job, and the page follows its progress."""
    if upload.size <= settings.import_inline_bytes:
        path = uploads_service.path_of(settings, upload)
        with open(path, "rb") as stream:
            result = indicators_service.import_file(db, actor=actor, settings=settings, fmt=fmt, stream=stream,
                                                    name=upload.filename, options=options,
                                                    reader_options=reader_options or None)
        uploads_service.discard(db, settings=settings, upload=upload)
        return render(request, "indicators/imported.html", {"result": result, "target": target})
    job = import_jobs.start(db, actor=actor, upload=upload, fmt=fmt, options=options, reader_options=reader_options)
    db.commit()
    request.app.state.start_job(job.id)
    return RedirectResponse(f"/indicators/import/jobs/{job.id}", status_code=303)


@router.get("/indicators/import/jobs/{job_id}")
def import_job_page(job_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep,
                    part: str = "") -> Response:
    """How far a large import is; htmx asks again every second until it is done (no script of ours)."""
    found = import_jobs.status(db, actor=actor, settings=settings, job_id=job_id)
    if part == "status":
        response = render(request, "indicators/import_job_part.html", {"job": found})
        if found.finished:
            response.headers["HX-Refresh"] = "true"
        return response
    if found.result is not None:
        target = None
        if found.report_id is not None:
            target = reports_service.get_report_to_extend(db, actor=actor, report_id=found.report_id)
        return render(request, "indicators/imported.html", {"result": import_jobs.result_of(found), "target": target})
    return render(request, "indicators/import_job.html", {"job": found})


def _import_feed(request: Request, db, actor, settings, url: str,  # noqa: ANN001
                 options: importing.ImportOptions, target: Report | None) -> Response:
    """A MISP feed by URL, from an allowed host only (``KOMMCERT_OUTBOUND_HOSTS``): the server would
    otherwise fetch whatever address a user types in (SSRF). Redirects stay on allowed hosts too."""
    from kommcert import outbound

    outbound.refuse_unless_allowed(url, settings)
    result = indicators_service.import_feed(db, actor=actor, settings=settings, base=url, options=options,
                                            fetch=lambda address: outbound.fetch(address, settings=settings).content)
    return render(request, "indicators/imported.html", {"result": result, "target": target})


@router.get("/indicators/{indicator_id}")
def detail_page(indicator_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    detail = indicators_service.get_indicator(db, actor=actor, indicator_id=indicator_id)
    return render(request, "indicators/detail.html", {
        "d": detail, "i": detail.indicator,
        "summary": sightings_service.summary(db, actor=actor, indicator_id=indicator_id),
        "sightings": sightings_service.visible_sightings(db, actor=actor, indicator_id=indicator_id)})


@router.post("/indicators/{indicator_id}/sighting")
def report_sighting(indicator_id: Id, db: DbSession, actor: PageActor, kind: str = Form("seen"),
                    count: int = Form(1, le=10**9), log_source: str = Form(""), key: str = Form("")) -> Response:
    sightings_service.record_sightings(db, actor=actor, items=[SightingIn(
        key=key[:120] or f"web-{utcnow().isoformat()}", indicator_id=indicator_id,
        kind=kind if kind in ("seen", "false_positive") else "seen", count=max(1, count),
        log_source=log_source or "Web")])
    return RedirectResponse(f"/indicators/{indicator_id}#sichtungen", status_code=303)


@router.post("/indicators/{indicator_id}/curation")
def curation(indicator_id: Id, db: DbSession, actor: PageActor, action: str = Form("")) -> Response:
    changes = {"block_anyway": {"warninglist_override": True}, "respect_list": {"warninglist_override": False},
               "false_positive": {"review_state": "false_positive"}, "confirm": {"review_state": "confirmed"}}
    indicators_service.curate(db, actor=actor, indicator_id=indicator_id, **changes.get(action, {}))
    return RedirectResponse(f"/indicators/{indicator_id}", status_code=303)


@router.get("/feeds")
def feeds_page(request: Request, actor: PageActor, settings: SettingsDep) -> Response:
    """The addresses to paste into appliances: from ``KOMMCERT_BASE_URL``, else the address this
    request came to (so a server on another port or host shows its own address, not a default). The
    TAXII 2.1 collections are the ones the server lists for this person's token, on the same address."""
    base = settings.public_url(str(request.base_url))
    readable = taxii_collections.readable(actor, settings)  # what the TAXII server lists for this person
    taxii = {"discovery": f"{base}/taxii2/", "root": f"{base}{TAXII_ROOT}", "public": settings.taxii_public,
             "collections": [(c, f"{base}{TAXII_ROOT}collections/{c.id}/objects/") for c in readable]}
    return render(request, "indicators/feeds.html", {"base": base, "formats": list(FeedFormat), "taxii": taxii})
