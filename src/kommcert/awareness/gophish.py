"""Reading GoPhish campaign results into sums per group, and merging the small groups (pure, no database).

GoPhish exports a campaign's results in two ways, both one row per recipient: the "Results" CSV of its web
interface (``Papa.unparse`` of the result objects: id, email, first_name, last_name, position, status, ip,
latitude, longitude, send_date, reported, modified_date; cells starting with = + - @ carry a leading ') and
the REST API (``GET /api/campaigns/{id}/results`` or ``/api/campaigns/{id}``: an object with ``name``,
``results`` and ``timeline``). Only ``status``, ``reported``, ``position`` and ``send_date`` are read; names,
addresses, IP addresses, places and the timeline never leave this module, and the rows are summed while they
are read. ``status`` is the furthest a recipient went (a click implies an opened mail), as GoPhish's own
dashboard counts; ``reported`` is its own flag (older versions set the status "Email Reported").

The group of a recipient is GoPhish's ``position`` field (a department, say); empty is "ohne Angabe".
:func:`merge_small` folds every group of five or fewer recipients, and if their sum is still five or fewer
the next smallest groups too, into one "weitere Gruppen" row: so neither a small group nor — by subtracting
the shown groups from the campaign's total — their remainder can be told.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from kommcert.errors import InvalidInput

MIN_GROUP = 6  # groups of five or fewer are never shown, exported or stored
MAX_BYTES = 32 * 2**20
NO_POSITION = "ohne Angabe"
MERGED_LABEL = "weitere Gruppen (zusammengefasst)"

SENT = frozenset({"Email Sent", "Email Opened", "Clicked Link", "Submitted Data", "Email Reported"})
OPENED = frozenset({"Email Opened", "Clicked Link", "Submitted Data"})
CLICKED = frozenset({"Clicked Link", "Submitted Data"})
SUBMITTED = frozenset({"Submitted Data"})
NOT_SENT = frozenset({"Scheduled", "Queued", "Sending", "Retrying", "Error", "Error Sending Email", "Unknown",
                      "Success", ""})
KNOWN = SENT | NOT_SENT
# The "Events" export (the timeline) is one row per event, not per recipient.
TIMELINE_COLUMNS = frozenset({"time", "message", "details"})


@dataclass
class Counts:
    recipients: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    submitted: int = 0
    reported: int = 0

    def add(self, other: Counts) -> None:
        for k in ("recipients", "sent", "opened", "clicked", "submitted", "reported"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("recipients", "sent", "opened", "clicked", "submitted", "reported")}


@dataclass
class Parsed:
    source: str  # csv | json
    name: str
    groups: dict[str, Counts] = field(default_factory=dict)
    first_send: date | None = None

    @property
    def total(self) -> Counts:
        total = Counts()
        for c in self.groups.values():
            total.add(c)
        return total


def _wrong(de: str, en: str) -> InvalidInput:
    return InvalidInput("Keine GoPhish-Ergebnisdatei: " + de, "Not a GoPhish results file: " + en)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text[:2] in ("'=", "'+", "'-", "'@"):  # Papa.unparse(escapeFormulae) put a ' before these
        text = text[1:]
    return text.strip()


def _label(position: str) -> str:
    text = "".join(ch for ch in position if ch.isprintable()).strip()[:100]
    return text or NO_POSITION


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes", "ja")


def _day(value: object) -> date | None:
    text = _cell(value)
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _sum(parsed: Parsed, rows: Iterable[Mapping[str, object]]) -> Parsed:
    for n, row in enumerate(rows, start=1):
        status = _cell(row.get("status"))
        if status not in KNOWN:
            raise _wrong(f"unbekannter Status „{status[:40]}“ in Zeile {n}.",
                         f"unknown status '{status[:40]}' in row {n}.")
        counts = parsed.groups.setdefault(_label(_cell(row.get("position"))), Counts())
        counts.recipients += 1
        counts.sent += status in SENT
        counts.opened += status in OPENED
        counts.clicked += status in CLICKED
        counts.submitted += status in SUBMITTED
        counts.reported += _truthy(row.get("reported")) or status == "Email Reported"
        day = _day(row.get("send_date")) if status in SENT else None
        if day is not None and (parsed.first_send is None or day < parsed.first_send):
            parsed.first_send = day
    if not parsed.groups:
        raise _wrong("keine Empfänger enthalten.", "no recipients in it.")
    return parsed


def read_csv(data: bytes, name: str = "") -> Parsed:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _wrong("die Datei ist kein UTF-8-Text.", "the file is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    if columns >= TIMELINE_COLUMNS:
        raise _wrong("das ist der Ereignis-Export (Events); bitte den Ergebnis-Export (Results) einlesen.",
                     "this is the events export; please import the results export.")
    if "status" not in columns or not ({"email", "id", "position"} & columns):
        raise _wrong("die Spalten status und position (oder email) fehlen.",
                     "the columns status and position (or email) are missing.")
    rows = ({(k or "").strip().lower(): v for k, v in row.items()} for row in reader)
    try:
        return _sum(Parsed("csv", name), rows)
    except csv.Error as exc:
        raise _wrong(f"CSV nicht lesbar ({exc}).", f"unreadable CSV ({exc}).") from None


def read_json(data: bytes, name: str = "") -> Parsed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _wrong("kein gültiges JSON.", "no valid JSON.") from None
    if isinstance(doc, dict):
        results, campaign = doc.get("results"), str(doc.get("name") or "")
    else:
        results, campaign = doc, ""
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise _wrong("es fehlt die Liste „results“ der GoPhish-API.", "the GoPhish API's 'results' list is missing.")
    return _sum(Parsed("json", campaign[:200] or name), results)


def read(data: bytes, name: str = "") -> Parsed:
    """CSV or JSON, told apart by the first character."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("Die Datei ist zu groß (höchstens 32 MiB).", "The file is too large (at most 32 MiB).")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    parsed = read_json(data, name) if head in (b"{", b"[") else read_csv(data, name)
    if parsed.total.recipients < MIN_GROUP:
        raise InvalidInput(f"Die Kampagne hat nur {parsed.total.recipients} Empfänger: eingelesen werden Kampagnen ab "
                           "sechs Empfängern (kleinere Gruppen würden Einzelne erkennbar machen).",
                           f"The campaign has only {parsed.total.recipients} recipients: campaigns are imported from "
                           "six recipients (smaller groups would single out people).")
    return parsed


def merge_small(groups: Mapping[str, Counts]) -> tuple[list[tuple[str, Counts]], Counts | None, int]:
    """(groups shown, the merged rest or None, how many groups went into the rest). The rest is either empty
    or holds more than five recipients; every shown group holds more than five."""
    big = sorted(((label, c) for label, c in groups.items() if c.recipients >= MIN_GROUP),
                 key=lambda t: (t[1].recipients, t[0]))
    rest = Counts()
    merged = 0
    for c in groups.values():
        if c.recipients < MIN_GROUP:
            rest.add(c)
            merged += 1
    while 0 < rest.recipients < MIN_GROUP and big:
        _, c = big.pop(0)
        rest.add(c)
        merged += 1
    shown = sorted(big, key=lambda t: t[0].lower())
    return shown, (rest if rest.recipients else None), merged
