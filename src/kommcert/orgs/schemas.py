from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kommcert.orgs.models import ContactRole, OrgKind, ProposalAction, ProposalState
from kommcert.validation import Id, NonBlank


class OrgRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: OrgKind
    name: str
    parent_id: int | None
    ags: str | None
    ars: str | None
    population: int | None


class OrgPage(BaseModel):
    items: list[OrgRead]


class ContactIn(BaseModel):
    role: ContactRole
    name: NonBlank = Field(max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    phone_out_of_band: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=2000)

    @field_validator("email", "phone", "phone_out_of_band", "notes", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("phone", "phone_out_of_band")
    @classmethod
    def _phone_chars(cls, value: str | None) -> str | None:
        if value is not None and not all(c.isdigit() or c in " +-/()" for c in value):
            raise ValueError("phone numbers may contain digits, spaces and + - / ( ) only")
        return value


class ContactRead(ContactIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int


class ContactProposalIn(BaseModel):
    action: ProposalAction = ProposalAction.create
    contact_id: Id | None = Field(None, description="The contact to change or remove (not for 'create').")
    contact: ContactIn | None = Field(None, description="The proposed details (not for 'delete').")
    comment: str | None = Field(None, max_length=2000)


class ContactProposalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    contact_id: int | None
    action: ProposalAction
    state: ProposalState
    role: ContactRole
    name: str
    email: str | None
    phone: str | None
    phone_out_of_band: str | None
    notes: str | None
    comment: str | None
    proposed_by_id: int | None
    created_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None


class ProposalDecision(BaseModel):
    accept: bool


class ImportRead(BaseModel):
    created: int
    updated: int
    unchanged: int
