"""Read the helper registry from CSV (German headers).

Header (order free, ``;`` or ``,`` separated, UTF-8 with or without BOM)::

    organisation;person;qualifikationen;fähigkeiten;regionen;rufbereitschaft;e-mail;telefon;benutzer

``organisation`` (the key of an organisation of kind ``dienstleister`` or ``mirt``) is required.
A line without ``person`` describes the provider: its qualifications, skills and regions served
(keys of the Land or Kreise), each list separated by ``|``, and the on-call number. A line with
``person`` describes one of its people: skills, e-mail, phone and optionally ``benutzer`` (the
e-mail of the person's user account in that organisation). Skills are given by key
(``host_forensics``) or German label (``Host-Forensik``). Every provider with people in the file
needs its own provider line; the file describes each provider in it completely (people not in
the file are removed from it). Any bad line stops the read with file, line and reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from kommcert.errors import InvalidInput
from kommcert.providers.models import SKILL_LABELS_DE, Skill
from kommcert.providers.schemas import EMAIL, PHONE_CHARS

REQUIRED = ("organisation",)
KNOWN = (*REQUIRED, "person", "qualifikationen", "fähigkeiten", "regionen", "rufbereitschaft", "e-mail",
         "telefon", "benutzer")
PROVIDER_ONLY = ("qualifikationen", "regionen", "rufbereitschaft")
PERSON_ONLY = ("e-mail", "telefon", "benutzer")
MAX_LINES = 10_000
_SKILLS = {s.value: s for s in Skill} | {label.casefold(): s for s, label in SKILL_LABELS_DE.items()}


@dataclass(slots=True)
class PersonRecord:
    name: str
    line: int
    email: str | None = None
    phone: str | None = None
    skills: list[Skill] = field(default_factory=list)
    user_email: str | None = None


@dataclass(slots=True)
class ProviderRecord:
    org_key: str
    line: int
    qualifications: list[str] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    region_keys: list[str] = field(default_factory=list)
    on_call_phone: str | None = None
    people: list[PersonRecord] = field(default_factory=list)


def error(name: str, line: int, de: str, en: str) -> InvalidInput:
    return InvalidInput(f"{name}, Zeile {line}: {de}", f"{name}, line {line}: {en}")


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _skills(value: str, *, name: str, line: int) -> list[Skill]:
    out: list[Skill] = []
    for part in _list(value):
        skill = _SKILLS.get(part) or _SKILLS.get(part.casefold())
        if skill is None:
            raise error(name, line, f"unbekannte Fähigkeit „{part}“", f"unknown skill '{part}'")
        if skill not in out:
            out.append(skill)
    return out


def _phone(value: str, *, name: str, line: int) -> str | None:
    if not value:
        return None
    if len(value) > 64 or not all(c in PHONE_CHARS for c in value):
        raise error(name, line, "Telefonnummer darf nur Ziffern, Leerzeichen und + - / ( ) enthalten",
                    "a phone number may contain digits, spaces and + - / ( ) only")
    return value


def _email(value: str, *, name: str, line: int) -> str | None:
    if not value:
        return None
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise error(name, line, f"„{value}“ ist keine E-Mail-Adresse", f"'{value}' is not an e-mail address")
    return value


def read(stream: IO[str], *, name: str) -> list[ProviderRecord]:
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: keine UTF-8-Datei", f"{name}: not a UTF-8 file") from exc
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name}: die Datei ist leer.", f"{name}: the file is empty.") from None
    except csv.Error as exc:
        raise error(name, 1, f"CSV-Fehler: {exc}", f"CSV error: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise error(name, 1, f"Spalte(n) fehlen: {', '.join(missing)}", f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in header if c not in KNOWN]
    if unknown:
        raise error(name, 1, f"unbekannte Spalte(n): {', '.join(unknown)}", f"unknown column(s): {', '.join(unknown)}")
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise error(name, reader.line_num, f"CSV-Fehler: {exc}", f"CSV error: {exc}") from None
    if len(rows) > MAX_LINES:
        raise InvalidInput(f"{name}: mehr als {MAX_LINES} Zeilen.", f"{name}: more than {MAX_LINES} lines.")
    providers: dict[str, ProviderRecord] = {}
    people: list[tuple[str, PersonRecord]] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise error(name, line, f"{len(row)} statt {len(header)} Spalten",
                        f"{len(row)} instead of {len(header)} columns")
        v = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        key = v["organisation"]
        if not key or len(key) > 64:
            raise error(name, line, "Organisation fehlt oder ist zu lang", "organisation missing or too long")
        if v.get("person"):
            people.append((key, _person(v, name=name, line=line)))
            continue
        filled = [c for c in PERSON_ONLY if v.get(c)]
        if filled:
            raise error(name, line, f"ohne Person ist {', '.join(filled)} nicht erlaubt",
                        f"{', '.join(filled)} not allowed without a person")
        if key in providers:
            raise error(name, line, f"Organisation {key} kommt doppelt vor (zuerst Zeile {providers[key].line})",
                        f"organisation {key} occurs twice (first on line {providers[key].line})")
        qualifications = _list(v.get("qualifikationen", ""))
        if any(len(q) > 200 for q in qualifications):
            raise error(name, line, "Qualifikation länger als 200 Zeichen", "qualification over 200 characters")
        providers[key] = ProviderRecord(
            org_key=key, line=line, qualifications=qualifications,
            skills=_skills(v.get("fähigkeiten", ""), name=name, line=line),
            region_keys=_list(v.get("regionen", "")),
            on_call_phone=_phone(v.get("rufbereitschaft", ""), name=name, line=line),
        )
    for key, person in people:
        provider = providers.get(key)
        if provider is None:
            raise error(name, person.line, f"für {key} fehlt die Zeile des Dienstleisters (ohne Person)",
                        f"the provider line (without person) for {key} is missing")
        provider.people.append(person)
    return list(providers.values())


def _person(v: dict[str, str], *, name: str, line: int) -> PersonRecord:
    filled = [c for c in PROVIDER_ONLY if v.get(c)]
    if filled:
        raise error(name, line, f"bei einer Person ist {', '.join(filled)} nicht erlaubt",
                    f"{', '.join(filled)} not allowed for a person")
    if len(v["person"]) > 200:
        raise error(name, line, "Name der Person ist zu lang", "person's name too long")
    return PersonRecord(
        name=v["person"], line=line, email=_email(v.get("e-mail", ""), name=name, line=line),
        phone=_phone(v.get("telefon", ""), name=name, line=line),
        skills=_skills(v.get("fähigkeiten", ""), name=name, line=line),
        user_email=_email(v.get("benutzer", ""), name=name, line=line),
    )
