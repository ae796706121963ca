from __future__ import annotations

import io

from fastapi import APIRouter, File, Form, Query, UploadFile

from kommcert.accounts.schemas import OrgReportingDuty, OrgSecurity
from kommcert.api.auth import PersonActor, UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import InvalidInput
from kommcert.orgs import proposals
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind, ProposalState
from kommcert.orgs.schemas import (
    ContactIn,
    ContactProposalIn,
    ContactProposalRead,
    ContactRead,
    ImportRead,
    OrgPage,
    OrgRead,
    ProposalDecision,
)
from kommcert.validation import Id

router = APIRouter(prefix="/orgs", tags=["orgs"])


@router.get("", response_model=OrgPage)
def list_orgs(db: DbSession, actor: UserActor, q: str | None = Query(None, max_length=100),
              kind: OrgKind | None = None, parent_id: Id | None = None,
              limit: int = Query(200, ge=1, le=1000)) -> OrgPage:
    orgs = orgs_service.search(db, q=q, kind=kind, parent_id=parent_id, limit=limit)
    return OrgPage(items=[OrgRead.model_validate(o) for o in orgs])


@router.get("/{org_id}", response_model=OrgRead)
def read_org(org_id: Id, db: DbSession, actor: UserActor) -> OrgRead:
    return OrgRead.model_validate(orgs_service.get(db, org_id))


@router.get("/{org_id}/children", response_model=OrgPage)
def read_children(org_id: Id, db: DbSession, actor: UserActor) -> OrgPage:
    orgs_service.get(db, org_id)
    return OrgPage(items=[OrgRead.model_validate(o) for o in orgs_service.list_children(db, org_id)])


@router.get("/{org_id}/contacts", response_model=list[ContactRead])
def list_contacts(org_id: Id, db: DbSession, actor: UserActor) -> list[ContactRead]:
    return [ContactRead.model_validate(c) for c in orgs_service.list_contacts(db, actor=actor, org_id=org_id)]


@router.post("/{org_id}/contacts", response_model=ContactRead, status_code=201)
def create_contact(org_id: Id, contact_in: ContactIn, db: DbSession, actor: WriterActor) -> ContactRead:
    return ContactRead.model_validate(
        orgs_service.upsert_contact(db, actor=actor, org_id=org_id, contact_in=contact_in))


@router.put("/{org_id}/contacts/{contact_id}", response_model=ContactRead)
def update_contact(org_id: Id, contact_id: Id, contact_in: ContactIn, db: DbSession,
                   actor: WriterActor) -> ContactRead:
    return ContactRead.model_validate(orgs_service.upsert_contact(
        db, actor=actor, org_id=org_id, contact_in=contact_in, contact_id=contact_id))


@router.delete("/{org_id}/contacts/{contact_id}", status_code=204)
def delete_contact(org_id: Id, contact_id: Id, db: DbSession, actor: WriterActor) -> None:
    orgs_service.delete_contact(db, actor=actor, org_id=org_id, contact_id=contact_id)


@router.get("/{org_id}/contact-proposals", response_model=list[ContactProposalRead])
def list_contact_proposals(org_id: Id, db: DbSession, actor: UserActor,
                           state: ProposalState | None = ProposalState.open) -> list[ContactProposalRead]:
    """Proposed changes to the contacts, for whoever may see the contacts."""
    return [ContactProposalRead.model_validate(p)
            for p in proposals.list_proposals(db, actor=actor, org_id=org_id, state=state)]


@router.post("/{org_id}/contact-proposals", response_model=ContactProposalRead, status_code=201)
def propose_contact_change(org_id: Id, proposal_in: ContactProposalIn, db: DbSession, actor: WriterActor,
                           person: PersonActor, settings: SettingsDep) -> ContactProposalRead:
    """A member proposes a new contact, a change or a removal; the administrators decide."""
    proposal = proposals.propose(db, actor=actor, org_id=org_id, action=proposal_in.action,
                                 contact_in=proposal_in.contact, contact_id=proposal_in.contact_id,
                                 comment=proposal_in.comment, base_url=settings.base_url)
    return ContactProposalRead.model_validate(proposal)


@router.post("/{org_id}/contact-proposals/{proposal_id}/decision", response_model=ContactProposalRead)
def decide_contact_proposal(org_id: Id, proposal_id: Id, decision: ProposalDecision, db: DbSession,
                            actor: WriterActor) -> ContactProposalRead:
    """Accepting makes the change; administrators of the organisation or above it (and CERT admins)."""
    proposal = proposals.decide(db, actor=actor, org_id=org_id, proposal_id=proposal_id, accept=decision.accept)
    return ContactProposalRead.model_validate(proposal)


def _text(upload: UploadFile) -> io.StringIO:
    try:
        return io.StringIO(upload.file.read().decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{upload.filename}: keine UTF-8-Datei", f"{upload.filename}: not a UTF-8 file") from None


@router.post("/import/gv100ad", response_model=ImportRead)
def import_gv100ad(db: DbSession, actor: WriterActor, file: UploadFile = File(...),
                   land: str = Form(..., min_length=2, max_length=2)) -> ImportRead:
    result = orgs_service.import_gv100ad(db, actor=actor, stream=_text(file), name=file.filename or "upload",
                                         land_key=land)
    return ImportRead(created=result.created, updated=result.updated, unchanged=result.unchanged)


@router.post("/import/csv", response_model=ImportRead)
def import_csv(db: DbSession, actor: WriterActor, file: UploadFile = File(...)) -> ImportRead:
    result = orgs_service.import_csv(db, actor=actor, stream=_text(file), name=file.filename or "upload")
    return ImportRead(created=result.created, updated=result.updated, unchanged=result.unchanged)


@router.put("/{org_id}/reporting-duty", response_model=OrgReportingDuty)
def update_reporting_duty(org_id: Id, duty: OrgReportingDuty, db: DbSession, actor: WriterActor) -> OrgReportingDuty:
    org = orgs_service.set_bsig_in_scope(db, actor=actor, org_id=org_id, in_scope=duty.bsig_in_scope)
    return OrgReportingDuty(bsig_in_scope=org.bsig_in_scope)


@router.put("/{org_id}/security", response_model=OrgSecurity)
def update_security(org_id: Id, security: OrgSecurity, db: DbSession, actor: WriterActor) -> OrgSecurity:
    org = orgs_service.set_require_totp(db, actor=actor, org_id=org_id, required=security.require_totp)
    return OrgSecurity(require_totp=org.require_totp)
