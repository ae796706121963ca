"""Shapes of the helper registry at the API: what a profile carries in and out."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from kommcert.orgs.models import OrgKind
from kommcert.providers.models import Skill
from kommcert.validation import Id, NonBlank

PHONE_CHARS = frozenset("0123456789 +-/()")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _phone(value: str | None) -> str | None:
    if value is not None and not all(c in PHONE_CHARS for c in value):
        raise ValueError("phone numbers may contain digits, spaces and + - / ( ) only")
    return value


def _blank_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class PersonIn(BaseModel):
    name: NonBlank = Field(max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    user_id: Id | None = None

    @field_validator("email", "phone", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return _blank_none(value)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone_chars(cls, value: str | None) -> str | None:
        return _phone(value)


class ProviderIn(BaseModel):
    qualifications: list[NonBlank] = Field(default_factory=list, max_length=20)
    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    region_ids: list[Id] = Field(default_factory=list, max_length=500)
    on_call_phone: str | None = Field(None, max_length=64)
    # None (or left out) keeps the people as they are; a list replaces them (matched by e-mail, else name).
    people: list[PersonIn] | None = Field(None, max_length=200,
                                          description="Left out: the people stay as they are.")

    @field_validator("on_call_phone", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return _blank_none(value)

    @field_validator("on_call_phone")
    @classmethod
    def _phone_chars(cls, value: str | None) -> str | None:
        return _phone(value)

    @field_validator("qualifications")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        if any(len(q) > 200 for q in value):
            raise ValueError("a qualification is at most 200 characters")
        return value


class RegionRead(BaseModel):
    id: int
    name: str


class PersonRead(BaseModel):
    id: int
    name: str
    email: str | None
    # None when the reader may not see phone numbers (not CERT, not the provider's own users).
    phone: str | None
    skills: list[Skill]
    user_id: int | None


class ProviderRead(BaseModel):
    org_id: int
    key: str
    name: str
    kind: OrgKind
    qualifications: list[str]
    skills: list[Skill]
    regions: list[RegionRead]
    on_call_phone: str | None
    people: list[PersonRead]
    phones_visible: bool


class ProviderPage(BaseModel):
    items: list[ProviderRead]
