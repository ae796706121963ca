"""Legal deadlines of an incident, from rules kept as data (``data/deadline_rules.toml``).

Pure functions, no tables: :func:`load_rules` reads the packaged rules and merges an operator's file
(``KOMMCERT_DEADLINE_RULES``, same key replaces); :func:`evaluate` turns an incident's attributes and
time anchors into due times with reminders; :func:`state` says open/done/overdue; :func:`report_text`
fills the report to send. A rule file that names an unknown attribute, anchor or placeholder, has a bad
offset, a duplicate key or anchors in a cycle is refused whole with :class:`DeadlineRuleError`.

Calendar arithmetic: months and days count on the calendar in ``zone`` (Europe/Berlin unless the caller
passes the configured one): 31 January + 1 month is the last day of February, and a day keeps the wall
clock across a change to summer time. Hours and minutes are elapsed time (72 h are 72 h).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from kommcert.errors import InvalidInput

if TYPE_CHECKING:
    from kommcert.config import Settings

PACKAGED = "deadline_rules.toml"
BERLIN = ZoneInfo("Europe/Berlin")

BOOLEAN_ATTRIBUTES = frozenset({"personal_data_affected", "data_exfiltrated", "citizen_services_down", "ransom_note",
                                "bsig_in_scope", "land_rules_in_scope"})
STATE_LABELS_DE = {"open": "offen", "done": "erledigt", "overdue": "überfällig"}


def _labels_de() -> dict[str, Mapping[str, str]]:
    """German labels of the coded attributes, from the incident model (one vocabulary)."""
    from kommcert.incidents.models import CATEGORY_LABELS_DE, SEVERITY_LABELS_DE

    return {"category": CATEGORY_LABELS_DE, "severity": SEVERITY_LABELS_DE}


def attribute_values() -> dict[str, frozenset[object]]:
    """The attributes a rule may test, each with the values it can take (the incidents contract)."""
    from kommcert.orgs.models import OrgKind

    values: dict[str, frozenset[object]] = {name: frozenset({True, False}) for name in BOOLEAN_ATTRIBUTES}
    values.update({name: frozenset(str(code) for code in labels) for name, labels in _labels_de().items()})
    values["org_kind"] = frozenset(kind.value for kind in OrgKind)
    return values


FIXED_ANCHORS = ("first_known_at", "reported_at")
DEADLINE_ANCHOR = "deadline:"
PLACEHOLDERS = frozenset({
    "org_name", "incident_title", "incident_url", "category", "severity", "first_known_at", "reported_at",
    "due_at", "what_happened", "systems", "measures", "cause", "malicious", "reporter_name", "callback_phone",
    "cert_name", *BOOLEAN_ATTRIBUTES,
})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,62}")
_RULE_FIELDS = {"key", "title_de", "title_en", "basis", "recipient_de", "recipient_en", "when", "anchor", "offset",
                "remind_before", "text_de", "text_en"}
_REQUIRED = ("key", "title_de", "title_en", "basis", "recipient_de", "recipient_en", "anchor", "offset",
             "text_de", "text_en")
_UNITS = ("months", "days", "hours", "minutes")


class DeadlineRuleError(InvalidInput):
    """A rule file that cannot be used; one line in German and English naming the file and the rule."""

    def __init__(self, source: str, rule: str | None, de: str, en: str) -> None:
        where_de = f"Fristenregeln {source}" + (f", Regel „{rule}“" if rule else "")
        where_en = f"Deadline rules {source}" + (f', rule "{rule}"' if rule else "")
        super().__init__(f"{where_de}: {de}", f"{where_en}: {en}")
        self.source = source
        self.rule = rule


@dataclass(frozen=True)
class Offset:
    months: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0

    def after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        local = _add_months(moment.astimezone(zone), self.months) + timedelta(days=self.days)  # wall-clock days
        return local.astimezone(UTC) + timedelta(hours=self.hours, minutes=self.minutes)

    def before(self, moment: datetime, zone: ZoneInfo) -> datetime:
        local = (moment.astimezone(UTC) - timedelta(hours=self.hours, minutes=self.minutes)).astimezone(zone)
        return _add_months(local - timedelta(days=self.days), -self.months).astimezone(UTC)


@dataclass(frozen=True)
class Test:
    attr: str
    values: frozenset[object]  # equals is a set of one

    def holds(self, attrs: Mapping[str, object]) -> bool:
        value = attrs.get(self.attr)
        if self.attr in BOOLEAN_ATTRIBUTES:
            value = bool(value)
        return value in self.values


@dataclass(frozen=True)
class Group:
    mode: Literal["all", "any"]
    items: tuple[Test | Group, ...]

    def holds(self, attrs: Mapping[str, object]) -> bool:
        results = (item.holds(attrs) for item in self.items)
        return all(results) if self.mode == "all" else any(results)


@dataclass(frozen=True)
class Rule:
    key: str
    title_de: str
    title_en: str
    basis: str
    recipient_de: str
    recipient_en: str
    when: Group | None
    anchor: str
    offset: Offset
    remind_before: tuple[Offset, ...]
    text_de: str
    text_en: str
    source: str

    def applies(self, attrs: Mapping[str, object]) -> bool:
        return self.when is None or self.when.holds(attrs)


@dataclass(frozen=True)
class Due:
    key: str
    title_de: str
    title_en: str
    basis: str
    recipient_de: str
    recipient_en: str
    due_at: datetime
    remind_at: tuple[datetime, ...]


# --- reading rule files -------------------------------------------------------------------------------------------

def load_rules(settings: Settings | None = None) -> tuple[Rule, ...]:
    """The packaged rules merged with the file in ``KOMMCERT_DEADLINE_RULES`` (if set)."""
    if settings is None:
        from kommcert.config import get_settings

        settings = get_settings()
    return load_rule_files(settings.deadline_rules or None)


def load_rule_files(extra: str | Path | None = None) -> tuple[Rule, ...]:
    text = resources.files("kommcert.incidents").joinpath("data", PACKAGED).read_text(encoding="utf-8")
    rules = {rule.key: rule for rule in parse_rules(text, PACKAGED)}
    if extra:
        path = Path(extra)
        try:
            extra_text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None)
            raise DeadlineRuleError(str(path), None, f"Datei nicht lesbar ({reason or 'keine UTF-8-Textdatei'}).",
                                    f"cannot read the file ({reason or 'not UTF-8 text'}).") from None
        rules.update((rule.key, rule) for rule in parse_rules(extra_text, str(path)))
    result = tuple(rules.values())
    _check_links(result)
    return result


def check_rules_file(path: str | Path) -> tuple[Rule, ...]:
    """Check an operator's rule file as it would be merged (for ``kommcert`` to say what is wrong)."""
    return load_rule_files(path)


def parse_rules(text: str, source: str) -> list[Rule]:
    """The rules of one file, each checked on its own (links between rules are checked after merging)."""
    return list(_parse_cached(text, source))


@lru_cache(maxsize=16)
def _parse_cached(text: str, source: str) -> tuple[Rule, ...]:
    """Rules are read per incident page; a file's text is parsed once (rules are immutable)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeadlineRuleError(source, None, f"kein gültiges TOML ({exc}).", f"not valid TOML ({exc}).") from None
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise DeadlineRuleError(source, None, f"unbekannter Eintrag „{unknown[0]}“ (erwartet: [[rule]]).",
                                f'unknown entry "{unknown[0]}" (expected: [[rule]]).')
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise DeadlineRuleError(source, None, "„rule“ muss eine Liste von [[rule]]-Blöcken sein.",
                                '"rule" must be a list of [[rule]] blocks.')
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_rules, 1):
        rule = _parse_rule(raw, source, number)
        if rule.key in seen:
            raise DeadlineRuleError(source, rule.key, "Schlüssel kommt doppelt vor.", "duplicate key.")
        seen.add(rule.key)
        rules.append(rule)
    return tuple(rules)


def _parse_rule(raw: object, source: str, number: int) -> Rule:
    name = raw.get("key") if isinstance(raw, dict) and isinstance(raw.get("key"), str) else None
    label = name or f"Nr. {number}"

    def fail(de: str, en: str) -> DeadlineRuleError:
        return DeadlineRuleError(source, label, de, en)

    if not isinstance(raw, dict):
        raise fail("ist kein Block.", "is not a block.")
    unknown = sorted(set(raw) - _RULE_FIELDS)
    if unknown:
        raise fail(f"unbekanntes Feld „{unknown[0]}“.", f'unknown field "{unknown[0]}".')
    for field in _REQUIRED:
        if field not in raw:
            raise fail(f"Feld „{field}“ fehlt.", f'field "{field}" is missing.')
        if field not in ("offset",) and (not isinstance(raw[field], str) or not raw[field].strip()):
            raise fail(f"Feld „{field}“ muss ein nicht leerer Text sein.", f'field "{field}" must be non-empty text.')
    if not _KEY.fullmatch(raw["key"]):
        raise fail("Schlüssel nur aus a–z, 0–9 und _ (mit Buchstaben beginnend).",
                   "key must be a-z, 0-9 and _ (starting with a letter).")
    anchor = raw["anchor"]
    if anchor not in FIXED_ANCHORS and not (anchor.startswith(DEADLINE_ANCHOR)
                                            and _KEY.fullmatch(anchor.removeprefix(DEADLINE_ANCHOR))):
        raise fail(f"unbekannter Anker „{anchor}“ (first_known_at, reported_at oder deadline:<key>).",
                   f'unknown anchor "{anchor}" (first_known_at, reported_at or deadline:<key>).')
    offset = _parse_offset(raw["offset"], "offset", fail)
    if offset == Offset():
        raise fail("„offset“ darf nicht null sein.", '"offset" must not be zero.')
    reminders = raw.get("remind_before", [])
    if not isinstance(reminders, list):
        raise fail("„remind_before“ muss eine Liste von Fristen sein.", '"remind_before" must be a list of offsets.')
    when = raw.get("when")
    for lang in ("de", "en"):
        for placeholder in _PLACEHOLDER.findall(raw[f"text_{lang}"]):
            if placeholder not in PLACEHOLDERS:
                raise fail(f"unbekannter Platzhalter „{{{placeholder}}}“ in text_{lang}.",
                           f'unknown placeholder "{{{placeholder}}}" in text_{lang}.')
    return Rule(
        key=raw["key"], title_de=raw["title_de"].strip(), title_en=raw["title_en"].strip(), basis=raw["basis"].strip(),
        recipient_de=raw["recipient_de"].strip(), recipient_en=raw["recipient_en"].strip(),
        when=None if when is None else _parse_group(when, fail, attribute_values()),
        anchor=anchor, offset=offset,
        remind_before=tuple(_parse_offset(item, "remind_before", fail) for item in reminders),
        text_de=raw["text_de"].strip("\n"), text_en=raw["text_en"].strip("\n"), source=source,
    )


def _parse_offset(raw: object, field: str, fail) -> Offset:  # noqa: ANN001 - the rule's error factory
    if not isinstance(raw, dict) or not raw:
        raise fail(f"„{field}“ braucht eine Dauer wie {{ hours = 24 }} (months, days, hours, minutes).",
                   f'"{field}" needs a duration such as {{ hours = 24 }} (months, days, hours, minutes).')
    for unit, amount in raw.items():
        if unit not in _UNITS:
            raise fail(f"unbekannte Einheit „{unit}“ in „{field}“ (months, days, hours, minutes).",
                       f'unknown unit "{unit}" in "{field}" (months, days, hours, minutes).')
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 100_000:
            raise fail(f"„{field}.{unit}“ muss eine ganze Zahl ab 0 sein.",
                       f'"{field}.{unit}" must be a whole number from 0.')
    return Offset(**raw)


def _parse_group(raw: object, fail, values: dict[str, frozenset[object]]) -> Group:  # noqa: ANN001
    if not isinstance(raw, dict) or not raw or set(raw) - {"all", "any"}:
        raise fail("„when“ braucht all = [...] und/oder any = [...].", '"when" needs all = [...] and/or any = [...].')
    groups = []
    for mode in ("all", "any"):
        if mode not in raw:
            continue
        items = raw[mode]
        if not isinstance(items, list) or not items:
            raise fail(f"„{mode}“ muss eine nicht leere Liste von Tests sein.", f'"{mode}" must be a non-empty list.')
        groups.append(Group(mode, tuple(_parse_test(item, fail, values) for item in items)))
    return groups[0] if len(groups) == 1 else Group("all", tuple(groups))


def _parse_test(raw: object, fail, values: dict[str, frozenset[object]]) -> Test | Group:  # noqa: ANN001
    if isinstance(raw, dict) and "attr" not in raw:
        return _parse_group(raw, fail, values)
    if not isinstance(raw, dict) or set(raw) not in ({"attr", "equals"}, {"attr", "in"}):
        raise fail("ein Test ist { attr = …, equals = … } oder { attr = …, in = [ … ] }.",
                   "a test is { attr = …, equals = … } or { attr = …, in = [ … ] }.")
    attr = raw["attr"]
    if attr not in values:
        raise fail(f"unbekanntes Merkmal „{attr}“.", f'unknown attribute "{attr}".')
    wanted = [raw["equals"]] if "equals" in raw else raw["in"]
    if not isinstance(wanted, list) or not wanted:
        raise fail(f"„in“ bei „{attr}“ muss eine nicht leere Liste sein.",
                   f'"in" for "{attr}" must be a non-empty list.')
    for value in wanted:
        # bool is an int, and 1 == True: compare types too, so severity = true or a flag = 1 is refused
        flag = attr in BOOLEAN_ATTRIBUTES
        if isinstance(value, list | dict) or value not in values[attr] or flag != isinstance(value, bool):
            raise fail(f"„{value}“ ist kein Wert von „{attr}“.", f'"{value}" is not a value of "{attr}".')
    return Test(attr, frozenset(wanted))


def _check_links(rules: Sequence[Rule]) -> None:
    """Every deadline anchor names a rule, and no rule depends on itself through others."""
    by_key = {rule.key: rule for rule in rules}
    for rule in rules:
        target = _depends_on(rule)
        if target is not None and target not in by_key:
            raise DeadlineRuleError(rule.source, rule.key,
                                    f"unbekannter Anker „{rule.anchor}“ (keine Regel „{target}“).",
                                    f'unknown anchor "{rule.anchor}" (no rule "{target}").')
    for rule in rules:
        chain = [rule.key]
        current = _depends_on(rule)
        while current is not None:
            if current == rule.key:
                cycle = " → ".join([*chain, current])
                raise DeadlineRuleError(rule.source, rule.key, f"Anker im Kreis ({cycle}).",
                                        f"cyclic anchors ({cycle}).")
            if current in chain:
                break  # a cycle not through this rule: reported when its own rule is checked
            chain.append(current)
            current = _depends_on(by_key[current])


def _depends_on(rule: Rule) -> str | None:
    return rule.anchor.removeprefix(DEADLINE_ANCHOR) if rule.anchor.startswith(DEADLINE_ANCHOR) else None


# --- evaluating -----------------------------------------------------------------------------------------------------

def evaluate(rules: Iterable[Rule], attrs: Mapping[str, object], anchors: Mapping[str, datetime | None], *,
             zone: ZoneInfo = BERLIN) -> list[Due]:
    """The deadlines that apply, earliest first.

    ``anchors``: ``first_known_at`` (falls back to ``reported_at``), ``reported_at`` and, for a deadline already
    done, ``deadline:<key>`` = its done time; an open deadline anchors the ones after it with its due time. A rule
    whose anchor has no time (its deadline does not apply) gives nothing. Naive times are taken as UTC.
    """
    times = {name: _utc(value) for name, value in anchors.items() if value is not None}
    if "first_known_at" not in times and "reported_at" in times:
        times["first_known_at"] = times["reported_at"]
    pending = [rule for rule in rules if rule.applies(attrs)]
    dues: dict[str, Due] = {}
    progress = True
    while pending and progress:  # rules are few; resolve chains in as many passes as they are long
        progress = False
        for rule in list(pending):
            base = times.get(rule.anchor)
            target = _depends_on(rule)
            if base is None and target is not None:
                if any(other.key == target for other in pending):
                    continue  # its anchor is not computed yet
                base = dues[target].due_at if target in dues else None
            pending.remove(rule)
            progress = True
            if base is None:
                continue
            due_at = rule.offset.after(base, zone)
            dues[rule.key] = Due(
                key=rule.key, title_de=rule.title_de, title_en=rule.title_en, basis=rule.basis,
                recipient_de=rule.recipient_de, recipient_en=rule.recipient_en, due_at=due_at,
                remind_at=tuple(sorted({offset.before(due_at, zone) for offset in rule.remind_before})),
            )
    return sorted(dues.values(), key=lambda due: (due.due_at, due.key))


def state(due_at: datetime, done_at: datetime | None, now: datetime) -> Literal["open", "done", "overdue"]:
    """``done`` once done (also when late), ``overdue`` after the due moment, else ``open``."""
    if done_at is not None:
        return "done"
    return "overdue" if _utc(now) > _utc(due_at) else "open"


def report_text(rules: Iterable[Rule], key: str, context: Mapping[str, object], lang: str = "de", *,
                zone: ZoneInfo = BERLIN) -> str:
    """The pre-filled report of rule ``key``: placeholders from ``context``; one without a value stays visible as
    ``{name}`` for the writer to fill in. Times are shown in ``zone``, yes/no and labels in ``lang``."""
    from kommcert import i18n, timefmt

    rule = next((rule for rule in rules if rule.key == key), None)
    if rule is None:
        raise KeyError(key)
    english = lang == "en"
    labels = _labels_de()

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        item = context.get(name)
        if item is None or item == "":
            return match.group(0)
        if isinstance(item, bool):
            return ("yes" if item else "no") if english else ("ja" if item else "nein")
        if isinstance(item, datetime):
            return timefmt.format_datetime(item, zone, "en" if english else "de")
        label = labels.get(name, {}).get(item) if isinstance(item, str) else None
        if label is not None:
            return i18n.translate(label, "en") if english else label
        return str(item)

    return _PLACEHOLDER.sub(value, rule.text_en if english else rule.text_de)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months; a day the target month lacks becomes its last day (BGB § 188 Abs. 3)."""
    if not months:
        return moment
    import calendar

    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
