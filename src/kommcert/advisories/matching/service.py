"""SCAFFOLD (replaced by the matching work): the two entry points the rest of the warning service calls.

``match_advisory`` after an advisory's revision changed, ``match_inventory`` after an organisation's
inventory changed. Both write ``AdvisoryMatch`` rows and return what changed, for the notifications.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory


@dataclass(frozen=True)
class ResultChange:
    advisory_id: int
    org_id: int
    old: str | None  # the MatchResult value the organisation was last told (None: never)
    new: str  # the MatchResult value now


def match_advisory(db: Session, advisory: Advisory) -> list[ResultChange]:
    return []


def match_inventory(db: Session, *, org_id: int) -> list[ResultChange]:
    return []
