"""Use cases of the registry of helpers (certified providers and the MIRT).

Who helps is not secret: every logged-in member reads the registry. The phone numbers of the
people are for the CERTs and the provider's own users only. Changes: CERT administrators and the
provider's own administrators. The operator at the CLI (``actor=None``) has the database anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs.models import Organization, OrgKind
from kommcert.providers import csv_import
from kommcert.providers.models import PROVIDER_KINDS, ProviderPerson, ProviderProfile, Skill, provider_regions
from kommcert.providers.schemas import PersonIn, PersonRead, ProviderIn, ProviderRead, RegionRead
from kommcert.sharing.actor import Actor

REGION_KINDS = frozenset({OrgKind.land, OrgKind.regierungsbezirk, OrgKind.kreis, OrgKind.kreisfreie_stadt})
_NOT_FOUND = ("Dienstleister nicht gefunden.", "Provider not found.")


@dataclass(frozen=True)
class ImportResult:
    providers: int
    people: int


# --- who may do what ------------------------------------------------------------------------

def can_see_phones(actor: Actor, org_id: int) -> bool:
    """People's phone numbers: CERT users and the provider's own users."""
    return actor.is_authenticated and (actor.is_cert or actor.org_id == org_id)


def can_edit(actor: Actor, org_id: int) -> bool:
    """CERT administrators and the provider's own administrators, with a credential that writes."""
    return (actor.user_id is not None and actor.is_admin and actor.can_write
            and (actor.is_cert or actor.org_id == org_id))


def _require_member(actor: Actor | None) -> None:
    if actor is not None and not actor.is_authenticated:
        raise NotFound(*_NOT_FOUND)


# --- reading --------------------------------------------------------------------------------

def list_providers(db: Session, *, actor: Actor | None, skill: Skill | None = None, region_id: int | None = None,
                   kind: OrgKind | None = None) -> Sequence[ProviderProfile]:
    """The registry, by name; ``skill`` keeps those who offer it (the provider or one of its people),
    ``region_id`` those serving that Kreis or the Land."""
    _require_member(actor)
    stmt = (select(ProviderProfile).join(Organization, Organization.id == ProviderProfile.org_id)
            .options(selectinload(ProviderProfile.people), selectinload(ProviderProfile.regions),
                     selectinload(ProviderProfile.org))
            .order_by(Organization.name))
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if region_id is not None:
        stmt = stmt.where(ProviderProfile.org_id.in_(
            select(provider_regions.c.provider_org_id).where(provider_regions.c.region_org_id == region_id)))
    profiles = db.scalars(stmt).all()
    if skill is not None:  # JSON lists: filtered here, the registry is small
        profiles = [p for p in profiles
                    if skill.value in p.skills or any(skill.value in person.skills for person in p.people)]
    return profiles


def get_provider(db: Session, *, actor: Actor, org_id: int) -> ProviderProfile:
    _require_member(actor)
    profile = db.get(ProviderProfile, org_id)
    if profile is None:
        raise NotFound(*_NOT_FOUND)
    return profile


def to_read(profile: ProviderProfile, actor: Actor) -> ProviderRead:
    """The profile as the actor may see it: people's phone numbers only where allowed."""
    phones = can_see_phones(actor, profile.org_id)
    return ProviderRead(
        org_id=profile.org_id, key=profile.org.key, name=profile.org.name, kind=OrgKind(profile.org.kind),
        qualifications=list(profile.qualifications), skills=[Skill(s) for s in profile.skills],
        regions=[RegionRead(id=r.id, name=r.name) for r in profile.regions],
        on_call_phone=profile.on_call_phone,
        people=[PersonRead(id=p.id, name=p.name, email=p.email, phone=p.phone if phones else None,
                           skills=[Skill(s) for s in p.skills], user_id=p.user_id) for p in profile.people],
        phones_visible=phones,
    )


# --- changing -------------------------------------------------------------------------------

def region_choices(db: Session) -> Sequence[Organization]:
    """What a provider can serve: the Land, Regierungsbezirke, Kreise and kreisfreie Städte."""
    order = list(OrgKind)
    orgs = db.scalars(select(Organization).where(Organization.kind.in_([k.value for k in REGION_KINDS]))).all()
    return sorted(orgs, key=lambda o: (order.index(OrgKind(o.kind)), o.name))


def _provider_org(db: Session, org_id: int) -> Organization:
    org = db.get(Organization, org_id)
    if org is None or OrgKind(org.kind) not in PROVIDER_KINDS:
        raise NotFound(*_NOT_FOUND)
    return org


def _regions(db: Session, ids: Iterable[int]) -> list[Organization]:
    wanted = list(dict.fromkeys(ids))
    found = {o.id: o for o in db.scalars(select(Organization).where(Organization.id.in_(wanted)))} if wanted else {}
    for region_id in wanted:
        org = found.get(region_id)
        if org is None or OrgKind(org.kind) not in REGION_KINDS:
            raise InvalidInput(f"Region {region_id} ist weder das Land noch ein Kreis.",
                               f"Region {region_id} is neither the Land nor a Kreis.")
    return [found[i] for i in wanted]


def _check_user(db: Session, org: Organization, user_id: int | None) -> None:
    if user_id is None:
        return
    user = db.get(User, user_id)
    if user is None or user.org_id != org.id:
        raise InvalidInput(f"Benutzer {user_id} gehört nicht zu {org.name}.",
                           f"User {user_id} does not belong to {org.name}.")


def _person_key(name: str, email: str | None) -> str:
    return (email or name).casefold()


def _apply(db: Session, org: Organization, data: ProviderIn) -> tuple[ProviderProfile, bool]:
    """Write one profile: fields, regions and people (matched by e-mail, else name, so ids stay)."""
    regions = _regions(db, data.region_ids)
    people_in = data.people or []
    keys = [_person_key(p.name, p.email) for p in people_in]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise InvalidInput(f"Person {people_in[index].name} kommt doppelt vor.",
                               f"Person {people_in[index].name} occurs twice.")
    for person in people_in:
        _check_user(db, org, person.user_id)
    profile = db.get(ProviderProfile, org.id)
    created = profile is None
    if profile is None:
        profile = ProviderProfile(org_id=org.id, org=org)
        db.add(profile)
    profile.qualifications = list(dict.fromkeys(data.qualifications))
    profile.skills = [s.value for s in dict.fromkeys(data.skills)]
    profile.on_call_phone = data.on_call_phone
    profile.regions = regions
    if data.people is not None:
        existing = {_person_key(p.name, p.email): p for p in profile.people}
        people: list[ProviderPerson] = []
        for person_in in data.people:
            person = existing.get(_person_key(person_in.name, person_in.email)) or ProviderPerson()
            person.name, person.email, person.phone = person_in.name, person_in.email, person_in.phone
            person.skills = [s.value for s in dict.fromkeys(person_in.skills)]
            person.user_id = person_in.user_id
            people.append(person)
        profile.people = people
    db.flush()
    return profile, created


def update_provider(db: Session, *, actor: Actor, org_id: int, data: ProviderIn) -> ProviderProfile:
    """Create or replace the profile of a provider or the MIRT."""
    _require_member(actor)
    org = _provider_org(db, org_id)
    if not can_edit(actor, org.id):
        raise PermissionDenied("Nur CERT-Administratoren und die Administratoren des Dienstleisters dürfen "
                               "das Profil ändern.",
                               "Only CERT administrators and the provider's administrators may change the profile.")
    profile, created = _apply(db, org, data)
    audit_service.record(db, AuditEvent(
        events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id, object_type="provider",
        object_id=org.id, subject=org.name,
        detail={"provider_profile": "created" if created else "updated", "people": len(profile.people)}))
    return profile


def import_csv(db: Session, *, actor: Actor | None, stream: IO[str], name: str) -> ImportResult:
    """Import the registry from CSV: every line checked before the first write, all or nothing."""
    if actor is not None and not (actor.is_cert_admin and actor.can_write):
        raise PermissionDenied("Nur CERT-Administratoren dürfen Dienstleister importieren.",
                               "Only CERT administrators may import providers.")
    records = csv_import.read(stream, name=name)
    planned: list[tuple[Organization, ProviderIn]] = []
    for rec in records:
        org = db.scalar(select(Organization).where(Organization.key == rec.org_key))
        if org is None or OrgKind(org.kind) not in PROVIDER_KINDS:
            raise csv_import.error(name, rec.line, f"{rec.org_key} ist kein Dienstleister und kein MIRT",
                                   f"{rec.org_key} is neither a provider nor the MIRT")
        region_ids = []
        for key in rec.region_keys:
            region = db.scalar(select(Organization).where(Organization.key == key))
            if region is None or OrgKind(region.kind) not in REGION_KINDS:
                raise csv_import.error(name, rec.line, f"Region {key} ist weder das Land noch ein Kreis",
                                       f"region {key} is neither the Land nor a Kreis")
            region_ids.append(region.id)
        people: list[PersonIn] = []
        seen: dict[str, int] = {}
        for person in rec.people:
            key = _person_key(person.name, person.email)
            if key in seen:
                raise csv_import.error(name, person.line, f"Person {person.name} kommt doppelt vor (zuerst Zeile "
                                       f"{seen[key]})", f"person {person.name} occurs twice (first on line "
                                       f"{seen[key]})")
            seen[key] = person.line
            user_id = None
            if person.user_email:
                user = db.scalar(select(User).where(func.lower(User.email) == person.user_email.lower()))
                if user is None or user.org_id != org.id:
                    raise csv_import.error(name, person.line,
                                           f"Benutzer {person.user_email} gehört nicht zu {org.name}",
                                           f"user {person.user_email} does not belong to {org.name}")
                user_id = user.id
            people.append(PersonIn(name=person.name, email=person.email, phone=person.phone,
                                   skills=person.skills, user_id=user_id))
        planned.append((org, ProviderIn(qualifications=rec.qualifications, skills=rec.skills,
                                        region_ids=region_ids, on_call_phone=rec.on_call_phone, people=people)))
    count = 0
    for org, data in planned:
        profile, _ = _apply(db, org, data)
        count += len(profile.people)
    audit_service.record(db, AuditEvent(
        events.ORG_IMPORTED, actor_user_id=actor.user_id if actor else None, object_type="provider",
        subject=name, detail={"providers": len(planned), "people": count}))
    return ImportResult(providers=len(planned), people=count)
