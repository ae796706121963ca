"""Read Destatis' Gemeindeverzeichnis (GV100AD) for one Land into organisation records.

The fixed-width records are parsed by the ``gv100ad`` package; this module maps them onto the
organisation tree:

* Satzart 10 (Land) → ``land``; 20 (Regierungsbezirk) → ``regierungsbezirk``; 30 (Region) skipped;
* 40 (Kreis): Kennzeichen 41/42 → ``kreisfreie_stadt``, otherwise ``kreis``;
* 50 (Gemeindeverband): ``verbandsgemeinde`` (also Amt, Samtgemeinde, Verwaltungsgemeinschaft …),
  except Kennzeichen 50 ("verbandsfrei"), which is no organisation of its own;
* 60 (Gemeinde): ``ortsgemeinde`` under its Verbandsgemeinde, ``verbandsfreie_gemeinde`` under its
  Kreis, or — for the single Gemeinde of a kreisfreie Stadt — merged into that city.

Keys are the Regionalschlüssel (ARS): Land 2, Regierungsbezirk 3, Kreis 5, Verband 9, Gemeinde 12
digits. Any malformed line, a duplicate key or a Land key the file does not contain stops the
read with :class:`~kommcert.errors.InvalidInput` naming the file, line and reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from gv100ad import (
    District,
    FederalState,
    GovernmentRegion,
    GV100ADReader,
    MunicipalAssociation,
    Municipality,
    Region,
)
from gv100ad.entities.district_type import DistrictType
from gv100ad.entities.municipal_association_type import MunicipalAssociationType

from kommcert.errors import InvalidInput
from kommcert.orgs.models import OrgKind
from kommcert.orgs.records import OrgRecord

CITY_TYPES = {DistrictType.KREISFREIE_STADT, DistrictType.STADTKREIS}
MIN_LENGTH = {"10": 122, "20": 122, "30": 122, "40": 124, "50": 124, "60": 190}


def _error(name: str, line_no: int, de: str, en: str) -> InvalidInput:
    return InvalidInput(f"{name}, Zeile {line_no}: {de}", f"{name}, line {line_no}: {en}")


def _parse_line(reader: GV100ADReader, name: str, line_no: int, line: str) -> object:
    kind = line[:2]
    if kind not in MIN_LENGTH:
        raise _error(name, line_no, f"unbekannte Satzart „{kind}“", f"unknown record type '{kind}'")
    if len(line) < MIN_LENGTH[kind]:
        raise _error(name, line_no, f"Zeile zu kurz ({len(line)} Zeichen)", f"line too short ({len(line)} characters)")
    code = {"10": line[10:12], "20": line[10:13], "30": "0", "40": line[10:15],
            "50": line[10:15] + line[18:22], "60": line[10:22]}[kind]
    if not code.isdigit():
        raise _error(name, line_no, f"Schlüssel „{code}“ ist nicht numerisch", f"key '{code}' is not numeric")
    try:
        return reader._create_record(line)  # the package's own per-line parser
    except ValueError as exc:
        raise _error(name, line_no, f"ungültiger Satz ({exc})", f"invalid record ({exc})") from None


def read(stream: IO[str], *, name: str, land_key: str) -> list[OrgRecord]:
    """Read all records of Land ``land_key`` (e.g. "07"); other Länder's records are skipped."""
    if not (len(land_key) == 2 and land_key.isdigit()):
        raise InvalidInput(f"Ungültiger Landesschlüssel „{land_key}“ (zwei Ziffern, z. B. 07).",
                           f"Invalid Land key '{land_key}' (two digits, e.g. 07).")
    reader = GV100ADReader(stream)
    parsed: list[tuple[int, object]] = []
    for line_no, raw in enumerate(_lines(stream, name), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        record = _parse_line(reader, name, line_no, line)
        if getattr(record, "regional_code", "")[:2] == land_key:
            parsed.append((line_no, record))
    return _to_org_records(parsed, name=name, land_key=land_key)


def _lines(stream: IO[str], name: str) -> Iterable[str]:
    try:
        yield from stream
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: keine UTF-8-Datei ({exc.reason} bei Byte {exc.start})",
                           f"{name}: not a UTF-8 file ({exc.reason} at byte {exc.start})") from None


def _to_org_records(parsed: list[tuple[int, object]], *, name: str, land_key: str) -> list[OrgRecord]:
    out: dict[str, OrgRecord] = {}
    regions: set[str] = set()
    cities: dict[str, OrgRecord] = {}
    verbands: set[str] = set()

    def add(rec: OrgRecord) -> None:
        if rec.key in out:
            raise _error(name, rec.line, f"Schlüssel {rec.key} kommt doppelt vor (zuerst Zeile {out[rec.key].line})",
                         f"key {rec.key} occurs twice (first on line {out[rec.key].line})")
        out[rec.key] = rec

    for line_no, rec in parsed:
        if isinstance(rec, FederalState):
            add(OrgRecord(key=land_key, kind=OrgKind.land, name=rec.name, parent_key=None, line=line_no, ars=land_key))
        elif isinstance(rec, GovernmentRegion):
            regions.add(rec.regional_code)
            add(OrgRecord(key=rec.regional_code, kind=OrgKind.regierungsbezirk, name=rec.name,
                          parent_key=land_key, line=line_no, ars=rec.regional_code))
        elif isinstance(rec, Region):
            continue
        elif isinstance(rec, District):
            code = rec.regional_code
            parent = code[:3] if code[:3] in regions else land_key
            kind = OrgKind.kreisfreie_stadt if rec.type in CITY_TYPES else OrgKind.kreis
            org = OrgRecord(key=code, kind=kind, name=rec.name, parent_key=parent, line=line_no, ags=code, ars=code)
            add(org)
            if kind == OrgKind.kreisfreie_stadt:
                cities[code] = org
        elif isinstance(rec, MunicipalAssociation):
            if rec.type == MunicipalAssociationType.VERBANDSFREIE_GEMEINDE or rec.regional_code in cities:
                continue
            ars = rec.regional_code + rec.association
            verbands.add(ars)
            add(OrgRecord(key=ars, kind=OrgKind.verbandsgemeinde, name=rec.name, parent_key=rec.regional_code,
                          line=line_no, ars=ars))
        elif isinstance(rec, Municipality):
            ags = rec.regional_code
            kreis = ags[:5]
            ars = kreis + rec.association + ags[5:]
            if kreis in cities:  # the city is its own (only) Gemeinde
                city = cities[kreis]
                city.ags, city.population, city.area_ha = ags, rec.inhabitants, rec.area
                continue
            verband = kreis + rec.association
            if verband in verbands:
                kind, parent = OrgKind.ortsgemeinde, verband
            else:
                kind, parent = OrgKind.verbandsfreie_gemeinde, kreis
            add(OrgRecord(key=ars, kind=kind, name=rec.name, parent_key=parent, line=line_no, ags=ags, ars=ars,
                          population=rec.inhabitants, area_ha=rec.area))
    if land_key not in out:
        raise InvalidInput(
            f"{name}: die Datei enthält keinen Landessatz (Satzart 10) für den Schlüssel {land_key}.",
            f"{name}: the file holds no Land record (type 10) for key {land_key}.",
        )
    return list(out.values())
