"""Plain organisation records that the GV100AD and CSV readers produce and the import applies."""

from __future__ import annotations

from dataclasses import dataclass, field

from kommcert.orgs.models import OrgKind


@dataclass(slots=True)
class OrgRecord:
    key: str
    kind: OrgKind
    name: str
    parent_key: str | None
    line: int  # where it came from, for error messages
    ags: str | None = None
    ars: str | None = None
    population: int | None = None
    area_ha: int | None = None
    email: str | None = None
    phone: str | None = None
    serves: list[str] = field(default_factory=list)
