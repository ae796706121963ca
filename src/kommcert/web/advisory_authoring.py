"""Pages for the CERT's own warnings: new, edit, preview (as recipients will see it, and the CSAF
document), publish, and the list of drafts. No script: the catalogue search is a submit button that
shows the form again with the hits to tick."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from kommcert.advisories import authoring
from kommcert.advisories.authoring import RISK_ORDER_VALUES, WarningIn
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from kommcert.reports import service as reports_service
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP
from kommcert.validation import parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
MAX_LINES = 500


# ---------------------------------------------------------------- form ⇄ lines

def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("|")]


def products_text(form: dict[str, Any]) -> str:
    out = []
    for p in form.get("products", []):
        ident = p.get("cpe") or p.get("purl") or ""
        out.append(" | ".join([p.get("vendor", ""), p.get("product", ""), p.get("version", ""), p.get("fixed", ""),
                               ident]).rstrip(" |"))
    return "\n".join(out)


def cves_text(form: dict[str, Any]) -> str:
    return "\n".join(" | ".join(x for x in (c["id"], c.get("cvss3", ""), c.get("cvss4", "")) if x)
                     for c in form.get("cves", []))


def references_text(form: dict[str, Any]) -> str:
    return "\n".join(f"{r['url']} {r.get('summary', '')}".strip() for r in form.get("references", []))


def _lines(text: str, what_de: str, what_en: str) -> list[tuple[int, str]]:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"{what_de}: höchstens {MAX_LINES} Zeilen.", f"{what_en}: at most {MAX_LINES} lines.")
    return lines


def _products(text: str, picked: list[int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for number, line in _lines(text, "Produkte", "Products"):
        cells = _cells(line) + [""] * 5
        if len(_cells(line)) > 5 or not cells[1]:
            raise InvalidInput(f"Produkte, Zeile {number}: Hersteller | Produkt | Version | behobene Version | "
                               "CPE oder purl",
                               f"Products, line {number}: vendor | product | version | fixed | CPE or purl")
        ident = cells[4]
        out.append({"vendor": cells[0], "product": cells[1], "version": cells[2], "fixed": cells[3],
                    "cpe": ident if ident.startswith("cpe:") else "",
                    "purl": ident if ident.startswith("pkg:") else ""})
        if ident and not ident.startswith(("cpe:", "pkg:")):
            raise InvalidInput(f"Produkte, Zeile {number}: die letzte Spalte ist eine CPE (cpe:…) oder purl (pkg:…).",
                               f"Products, line {number}: the last column is a CPE (cpe:…) or purl (pkg:…).")
    return out + [{"catalog_id": i} for i in picked]


def _cves(text: str) -> list[dict[str, str]]:
    out = []
    for number, line in _lines(text, "CVEs", "CVEs"):
        cells = [c for c in _cells(line) if c]
        entry = {"id": cells[0], "cvss3": "", "cvss4": ""}
        for cell in cells[1:]:
            key = "cvss4" if cell.upper().startswith("CVSS:4") else "cvss3" if cell.upper().startswith("CVSS:3") else ""
            if not key:
                raise InvalidInput(f"CVEs, Zeile {number}: nach der CVE-Nummer nur CVSS-Vektoren (CVSS:3.1/… oder "
                                   "CVSS:4.0/…).", f"CVEs, line {number}: after the CVE id only CVSS vectors.")
            entry[key] = cell
        out.append(entry)
    return out


def _references(text: str) -> list[dict[str, str]]:
    out = []
    for _, line in _lines(text, "Verweise", "References"):
        url, _, summary = line.partition(" ")
        out.append({"url": url, "summary": summary.strip()})
    return out


def _values(form: FormData) -> dict[str, Any]:
    keys = ("title", "risk", "description", "measures", "products", "cves", "references", "tlp", "more_keys",
            "users", "strict", "upward", "q")
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in keys}
    values["picked"] = [str(v) for v in form.getlist("orgs")]
    values["catalog"] = [str(v) for v in form.getlist("catalog")]
    return values


def _warning_in(db, actor, values: dict[str, Any]) -> WarningIn:  # noqa: ANN001
    picked = [parse_id(v) for v in values["picked"]]
    catalog = [parse_id(v) for v in values["catalog"]]
    if None in picked or None in catalog:
        raise InvalidInput("Unbekannte Auswahl.", "Unknown choice.")
    org_ids = [*picked, *sharing_service.org_ids_by_keys(db, values["more_keys"].replace(";", ",").split(","))]
    users = sharing_service.user_ids_by_emails(db, values["users"].replace(";", ",").split(","), actor=actor)
    strict = bool(values["strict"])
    try:
        return WarningIn(
            title=values["title"], risk=values["risk"] or "mittel", description=values["description"],
            measures=values["measures"], products=_products(values["products"], catalog),  # type: ignore[arg-type]
            cves=_cves(values["cves"]), references=_references(values["references"]), tlp=values["tlp"] or "amber",
            audience_orgs=[] if strict else org_ids, audience_orgs_strict=org_ids if strict else [],
            audience_users=users, upward=bool(values["upward"]))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"Bitte die Angaben prüfen ({where}).", f"Please check the values ({where}).") from None


def _values_of(form: dict[str, Any]) -> dict[str, Any]:
    audience = form.get("audience") or {}
    strict = bool(audience.get("orgs_strict")) and not audience.get("orgs")
    return {"title": form.get("title", ""), "risk": form.get("risk", "mittel"),
            "description": form.get("description", ""), "measures": form.get("measures", ""),
            "products": products_text(form), "cves": cves_text(form), "references": references_text(form),
            "tlp": form.get("tlp", "amber"), "more_keys": "", "users": "", "strict": "on" if strict else "",
            "upward": "on" if form.get("upward") else "", "q": "", "catalog": [],
            "picked": [str(i) for i in [*audience.get("orgs", []), *audience.get("orgs_strict", [])]],
            "named_users": len(audience.get("users", []))}


def _page(request: Request, db, actor, values: dict[str, Any], *, advisory=None, error=None,  # noqa: ANN001
          status_code: int = 200) -> Response:
    hits = []
    if values.get("q", "").strip():
        from kommcert.inventory import catalog

        hits = catalog.search(db, values["q"].strip(), limit=20)
    return render(request, "advisories/authoring_form.html", {
        "values": values, "advisory": advisory, "error": error, "hits": hits, "risks": RISK_ORDER_VALUES,
        "tlps": list(TLP), "choices": reports_service.audience_choices(db, actor=actor)}, status_code=status_code)


def _require_author(actor) -> None:  # noqa: ANN001
    if not authoring.may_author(actor):
        raise PermissionDenied("Eigene Warnungen schreiben nur Analystinnen und Administratoren eines CERT.",
                               "Own warnings are written by the analysts and admins of a CERT only.")


# ---------------------------------------------------------------- routes

@router.get("/advisories/drafts")
def drafts(request: Request, db: DbSession, actor: PageActor) -> Response:
    _require_author(actor)
    return render(request, "advisories/authoring_drafts.html", {
        "drafts": authoring.list_drafts(db, actor=actor), "pending": authoring.has_pending_changes})


@router.get("/advisories/new")
def new_form(request: Request, db: DbSession, actor: PageActor) -> Response:
    _require_author(actor)
    return _page(request, db, actor, _values_of({"tlp": "amber", "risk": "mittel"}))


@router.post("/advisories/new")
async def create(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    _require_author(actor)
    values = _values(await request.form())
    if (await request.form()).get("action") == "search":
        return _page(request, db, actor, values)
    try:
        advisory = authoring.create_warning(db, actor=actor, warning_in=_warning_in(db, actor, values),
                                            settings=settings)
    except DomainError as exc:
        return _page(request, db, actor, values, error=exc, status_code=exc.status_code)
    return RedirectResponse(f"/advisories/{advisory.id}/preview", status_code=303)


@router.get("/advisories/{advisory_id:int}/edit")
def edit_form(advisory_id: int, request: Request, db: DbSession, actor: PageActor) -> Response:
    advisory = authoring.get_own_warning(db, actor=actor, advisory_id=advisory_id, ip=client_ip(request))
    values = _values_of(authoring.form_of(advisory))
    return _page(request, db, actor, values, advisory=advisory)


@router.post("/advisories/{advisory_id:int}/edit")
async def edit(advisory_id: int, request: Request, db: DbSession, actor: PageActor) -> Response:
    advisory = authoring.get_own_warning(db, actor=actor, advisory_id=advisory_id, ip=client_ip(request))
    form = await request.form()
    values = _values(form)
    if not values["users"] and form.get("keep_users"):
        values["keep_users"] = True
    if form.get("action") == "search":
        return _page(request, db, actor, values, advisory=advisory)
    try:
        warning_in = _warning_in(db, actor, values)
        changes = warning_in.model_dump()
        if values.get("keep_users"):  # named people are not shown again; an empty field keeps them
            changes["audience_users"] = (authoring.form_of(advisory).get("audience") or {}).get("users", [])
        authoring.update_warning(db, actor=actor, advisory_id=advisory.id, changes=changes, ip=client_ip(request))
    except DomainError as exc:
        return _page(request, db, actor, values, advisory=advisory, error=exc, status_code=exc.status_code)
    return RedirectResponse(f"/advisories/{advisory.id}/preview", status_code=303)


@router.get("/advisories/{advisory_id:int}/preview")
def preview(advisory_id: int, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _preview(request, db, actor, settings, advisory_id)


def _preview(request: Request, db, actor, settings, advisory_id: int, error=None,  # noqa: ANN001
             status_code: int = 200) -> Response:
    advisory, document, objections = authoring.preview(
        db, actor=actor, advisory_id=advisory_id, settings=settings, ip=client_ip(request),
        base_url=settings.public_url(str(request.base_url)))
    return render(request, "advisories/authoring_preview.html", {
        "advisory": advisory, "form": authoring.form_of(advisory), "document": document,
        "tracking": document["document"]["tracking"], "objections": objections,
        "document_json": json.dumps(document, ensure_ascii=False, indent=2),
        "pending": authoring.has_pending_changes(advisory), "error": error}, status_code=status_code)


@router.post("/advisories/{advisory_id:int}/publish")
async def publish(advisory_id: int, request: Request, db: DbSession, actor: PageActor,
                  settings: SettingsDep) -> Response:
    form = await request.form()
    try:
        authoring.publish_warning(db, actor=actor, advisory_id=advisory_id, settings=settings, ip=client_ip(request),
                                  change_summary=str(form.get("change_summary", "")),
                                  base_url=settings.public_url(str(request.base_url)))
    except (InvalidInput, Conflict) as exc:
        return _preview(request, db, actor, settings, advisory_id, error=exc, status_code=exc.status_code)
    return RedirectResponse(f"/advisories/{advisory_id}", status_code=303)
