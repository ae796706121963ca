"""Awareness: the personas plus helpers to plan an event (through the service) and move it into the past,
which the service itself refuses (a new event in the past is bad input)."""

from __future__ import annotations

from datetime import timedelta

from kommcert.awareness import catalogue
from kommcert.awareness.catalogue import EventIn
from kommcert.awareness.models import AwarenessEvent
from kommcert.db import utcnow
from tests.personas import Personas

ALL = ["fuehrung", "beschaeftigte", "it_admin", "rat", "azubi"]


def plan(p: Personas, who: str = "kreis_a_admin", *, days: float = 7, capacity: int = 30, fmt: str = "praesenz",
         groups: list[str] | None = None, record_names: bool = False,
         title: str = "Phishing erkennen") -> AwarenessEvent:
    return catalogue.create_event(p.db, actor=p.actor(who), event_in=EventIn(
        title=title, format=fmt, target_groups=groups or ALL, starts_at=utcnow() + timedelta(days=days),
        capacity=capacity, place="Kreishaus, Saal 1", link="https://lernen.example.test/kurs",
        record_names=record_names))


def begun(p: Personas, event: AwarenessEvent, days_ago: float = 1) -> AwarenessEvent:
    """The event as if it had taken place ``days_ago`` days ago."""
    event.starts_at = utcnow() - timedelta(days=days_ago)
    event.ends_at = event.starts_at + timedelta(hours=2)
    p.db.flush()
    return event


GOPHISH_CSV_HEADER = ("id,email,first_name,last_name,position,status,ip,latitude,longitude,send_date,reported,"
                      "modified_date")


def gophish_csv(groups: dict[str, list[tuple[str, bool]]]) -> bytes:
    """A GoPhish "Results" CSV: per group (position) a list of (status, reported) per recipient."""
    lines = [GOPHISH_CSV_HEADER]
    n = 0
    for position, people in groups.items():
        for status, reported in people:
            n += 1
            lines.append(f"r{n:04d},person{n}@gemeinde.example,Vorname{n},Nachname{n},{position},{status},"
                         f"198.51.100.{n % 250},50.1,8.6,2026-01-05T08:00:00Z,{str(reported).lower()},"
                         "2026-01-05T09:00:00Z")
    return ("\n".join(lines) + "\n").encode()
