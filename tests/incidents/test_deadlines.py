"""The legal deadline rules: packaged rules, chaining, an operator's file, bad files, report texts.

All times are fixed instants: the engine is pure and never reads the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kommcert.config import load_settings
from kommcert.incidents import deadlines
from kommcert.incidents.deadlines import DeadlineRuleError

BERLIN = ZoneInfo("Europe/Berlin")
KNOWN = datetime(2026, 3, 10, 8, 15, tzinfo=UTC)
IN_SCOPE = {"bsig_in_scope": True, "category": "ransomware", "severity": "high"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def rules() -> tuple[deadlines.Rule, ...]:
    return deadlines.load_rule_files()


def dues_by_key(rules, attrs, anchors) -> dict[str, deadlines.Due]:  # noqa: ANN001
    return {due.key: due for due in deadlines.evaluate(rules, attrs, anchors)}


# --- packaged rules -------------------------------------------------------------------------------------------------

def test_it_gives_the_three_bsig_deadlines_for_an_organisation_in_scope(rules) -> None:  # noqa: ANN001
    dues = dues_by_key(rules, IN_SCOPE, {"first_known_at": KNOWN, "reported_at": KNOWN + timedelta(hours=3)})

    assert list(dues) == ["bsig_early_warning", "bsig_notification", "bsig_final_report"]
    early, notification, final = dues.values()
    assert early.due_at == utc(2026, 3, 11, 8, 15)
    assert early.remind_at == (utc(2026, 3, 10, 20, 15), utc(2026, 3, 11, 6, 15))
    assert early.basis == "§ 32 Abs. 1 Nr. 1 BSIG"
    assert early.title_de == "Frühe Erstmeldung an das BSI" and early.recipient_en.startswith("Federal Office")
    assert notification.due_at == utc(2026, 3, 13, 8, 15)
    assert notification.remind_at == (utc(2026, 3, 12, 8, 15), utc(2026, 3, 13, 4, 15))
    # one calendar month after the notification, on the German wall clock: 09:15 MEZ becomes 09:15 MESZ
    assert final.due_at == berlin(2026, 4, 13, 9, 15).astimezone(UTC) == utc(2026, 4, 13, 7, 15)
    assert final.remind_at == (utc(2026, 4, 6, 7, 15), utc(2026, 4, 12, 7, 15))
    assert all(due.due_at.tzinfo is UTC for due in dues.values())


def test_it_gives_no_bsig_deadline_outside_its_scope(rules) -> None:  # noqa: ANN001
    assert deadlines.evaluate(rules, {**IN_SCOPE, "bsig_in_scope": False}, {"first_known_at": KNOWN}) == []
    assert deadlines.evaluate(rules, {"category": "ransomware"}, {"first_known_at": KNOWN}) == []


def test_it_gives_the_gdpr_deadline_when_personal_data_is_affected(rules) -> None:  # noqa: ANN001
    dues = dues_by_key(rules, {"personal_data_affected": True}, {"first_known_at": KNOWN})

    assert list(dues) == ["gdpr_art33"]
    assert dues["gdpr_art33"].due_at == utc(2026, 3, 13, 8, 15)
    assert dues["gdpr_art33"].remind_at == (utc(2026, 3, 12, 8, 15), utc(2026, 3, 13, 4, 15))
    assert dues["gdpr_art33"].basis == "Art. 33 DSGVO"


def test_it_counts_hours_as_elapsed_time_across_the_change_to_summer_time(rules) -> None:  # noqa: ANN001
    known = berlin(2026, 3, 28, 12, 0)  # 29 March 2026 has 23 hours in Berlin
    dues = dues_by_key(rules, {"personal_data_affected": True}, {"first_known_at": known})

    # (an aware datetime plus a timedelta is wall-clock arithmetic in Python: compare in UTC)
    assert dues["gdpr_art33"].due_at == known.astimezone(UTC) + timedelta(hours=72) == utc(2026, 3, 31, 11, 0)


@pytest.mark.parametrize(("attrs", "applies"), [
    ({"land_rules_in_scope": True, "citizen_services_down": True, "severity": "medium"}, True),
    ({"land_rules_in_scope": True, "citizen_services_down": False, "severity": "critical"}, True),
    ({"land_rules_in_scope": True, "citizen_services_down": False, "severity": "high"}, False),
    ({"land_rules_in_scope": False, "citizen_services_down": True, "severity": "critical"}, False),
])
def test_it_applies_the_example_land_rule_to_services_down_or_critical_incidents(rules, attrs, applies) -> None:  # noqa: ANN001
    dues = dues_by_key(rules, attrs, {"first_known_at": KNOWN})

    assert ("land_interior_ministry" in dues) is applies
    if applies:
        assert dues["land_interior_ministry"].due_at == utc(2026, 3, 12, 8, 15)


def test_it_anchors_on_the_report_time_when_the_first_knowledge_is_unknown(rules) -> None:  # noqa: ANN001
    reported = utc(2026, 6, 1, 10, 0)
    dues = dues_by_key(rules, {"personal_data_affected": True}, {"first_known_at": None, "reported_at": reported})

    assert dues["gdpr_art33"].due_at == reported + timedelta(hours=72)


def test_it_orders_deadlines_earliest_first(rules) -> None:  # noqa: ANN001
    attrs = {**IN_SCOPE, "personal_data_affected": True, "land_rules_in_scope": True, "citizen_services_down": True}
    keys = [due.key for due in deadlines.evaluate(rules, attrs, {"first_known_at": KNOWN})]

    assert keys == ["bsig_early_warning", "land_interior_ministry", "bsig_notification", "gdpr_art33",
                    "bsig_final_report"]


# --- calendar months and chaining -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("notified", "final"), [
    (berlin(2027, 1, 31, 10, 0), berlin(2027, 2, 28, 10, 0)),   # February has no 31st
    (berlin(2028, 1, 31, 10, 0), berlin(2028, 2, 29, 10, 0)),   # leap year
    (berlin(2026, 3, 31, 12, 0), berlin(2026, 4, 30, 12, 0)),   # 30-day month, across summer time
    (berlin(2026, 12, 15, 9, 0), berlin(2027, 1, 15, 9, 0)),    # into the next year
    (utc(2027, 1, 31, 23, 30), berlin(2027, 3, 1, 0, 30)),      # 31 Jan 23:30 UTC is 1 Feb in Berlin
])
def test_it_counts_the_final_report_month_from_the_notification_done(rules, notified, final) -> None:  # noqa: ANN001
    known = notified.astimezone(UTC) - timedelta(hours=50)
    dues = dues_by_key(rules, IN_SCOPE, {"first_known_at": known, "deadline:bsig_notification": notified})

    assert dues["bsig_final_report"].due_at == final.astimezone(UTC)
    assert dues["bsig_notification"].due_at == known + timedelta(hours=72)  # its own due time is unchanged


def test_it_counts_from_the_notification_due_time_while_it_is_open(rules) -> None:  # noqa: ANN001
    known = berlin(2027, 1, 28, 10, 0)  # notification due 31 Jan 10:00
    dues = dues_by_key(rules, IN_SCOPE, {"first_known_at": known})

    assert dues["bsig_notification"].due_at == berlin(2027, 1, 31, 10, 0).astimezone(UTC)
    assert dues["bsig_final_report"].due_at == berlin(2027, 2, 28, 10, 0).astimezone(UTC)


def test_it_can_count_in_another_zone() -> None:
    rules = deadlines.parse_rules(_rule("x", offset="{ months = 1 }"), "x.toml")

    (due,) = deadlines.evaluate(rules, {}, {"reported_at": utc(2027, 1, 31, 23, 30)}, zone=ZoneInfo("UTC"))
    assert due.due_at == utc(2027, 2, 28, 23, 30)


def test_it_keeps_the_wall_clock_for_days_across_summer_time() -> None:
    rules = deadlines.parse_rules(_rule("x", offset="{ days = 1, hours = 2 }", reminders="[{ days = 1 }]"), "x.toml")

    (due,) = deadlines.evaluate(rules, {}, {"reported_at": berlin(2026, 3, 28, 12, 0)})
    assert due.due_at == berlin(2026, 3, 29, 14, 0).astimezone(UTC) == utc(2026, 3, 29, 12, 0)
    assert due.remind_at == (berlin(2026, 3, 28, 14, 0).astimezone(UTC),)


def test_it_tests_the_organisation_kind_and_takes_the_models_enums() -> None:
    from kommcert.incidents.models import Category, Severity

    when = ('when = { all = [{ attr = "org_kind", in = ["ortsgemeinde", "verbandsgemeinde"] }, '
            '{ attr = "category", equals = "ddos" }] }')
    rules = deadlines.parse_rules(_rule("x", when=when), "x.toml")
    anchors = {"reported_at": KNOWN}

    assert deadlines.evaluate(rules, {"org_kind": "ortsgemeinde", "category": Category.ddos}, anchors)
    assert not deadlines.evaluate(rules, {"org_kind": "kreis", "category": Category.ddos}, anchors)
    assert not deadlines.evaluate(rules, {"org_kind": "ortsgemeinde", "category": Category.phishing,
                                          "severity": Severity.critical}, anchors)


def test_it_takes_naive_anchor_times_as_utc(rules) -> None:  # noqa: ANN001
    dues = dues_by_key(rules, {"personal_data_affected": True}, {"first_known_at": datetime(2026, 3, 10, 8, 15)})

    assert dues["gdpr_art33"].due_at == utc(2026, 3, 13, 8, 15)


# --- state -----------------------------------------------------------------------------------------------------------

def test_it_tells_open_done_and_overdue() -> None:
    due = utc(2026, 3, 11, 8, 15)

    assert deadlines.state(due, None, due - timedelta(minutes=1)) == "open"
    assert deadlines.state(due, None, due) == "open"
    assert deadlines.state(due, None, due + timedelta(seconds=1)) == "overdue"
    assert deadlines.state(due, due - timedelta(hours=3), due + timedelta(days=3)) == "done"
    assert deadlines.state(due, due + timedelta(hours=3), due + timedelta(days=3)) == "done"  # late, but done
    assert deadlines.state(due, None, berlin(2026, 3, 11, 9, 16)) == "overdue"  # 08:16 UTC
    assert deadlines.STATE_LABELS_DE == {"open": "offen", "done": "erledigt", "overdue": "überfällig"}


# --- an operator's file ---------------------------------------------------------------------------------------------

def _rule(key: str, *, anchor: str = "reported_at", offset: str = "{ hours = 48 }", when: str = "",
          reminders: str = "[]", extra: str = "", text: str = "Text {org_name}") -> str:
    return f"""
[[rule]]
key = "{key}"
title_de = "Titel {key}"
title_en = "Title {key}"
basis = "Landesgesetz"
recipient_de = "Empfänger"
recipient_en = "Recipient"
{when}
anchor = "{anchor}"
offset = {offset}
remind_before = {reminders}
text_de = "{text}"
text_en = "{text}"
{extra}
"""


def _write(tmp_path: Path, text: str, name: str = "land.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_merges_an_operators_file_over_the_packaged_rules(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule(
        "land_interior_ministry", anchor="first_known_at", offset="{ hours = 24 }",
        when='when = { any = [{ attr = "category", in = ["ransomware", "data_exfiltration"] }] }',
    ) + _rule("dpa_follow_up", anchor="deadline:gdpr_art33", offset="{ days = 14 }", reminders="[{ days = 2 }]"))
    rules = deadlines.load_rules(load_settings(env="test", secret_key="x" * 32, deadline_rules=str(path)))

    keys = [rule.key for rule in rules]
    assert keys == ["bsig_early_warning", "bsig_notification", "bsig_final_report", "gdpr_art33",
                    "land_interior_ministry", "dpa_follow_up"]
    replaced = next(rule for rule in rules if rule.key == "land_interior_ministry")
    assert replaced.title_de == "Titel land_interior_ministry" and replaced.source == str(path)

    dues = dues_by_key(rules, {"category": "ransomware", "personal_data_affected": True}, {"first_known_at": KNOWN})
    assert dues["land_interior_ministry"].due_at == KNOWN + timedelta(hours=24)
    assert dues["dpa_follow_up"].due_at == utc(2026, 3, 27, 8, 15)
    assert dues["dpa_follow_up"].remind_at == (utc(2026, 3, 25, 8, 15),)
    assert "dpa_follow_up" not in dues_by_key(rules, {"category": "ransomware"}, {"first_known_at": KNOWN})
    assert deadlines.check_rules_file(path) == rules


def test_it_uses_the_packaged_rules_without_a_file() -> None:
    rules = deadlines.load_rules(load_settings(env="test", secret_key="x" * 32))

    assert [rule.key for rule in rules] == ["bsig_early_warning", "bsig_notification", "bsig_final_report",
                                            "gdpr_art33", "land_interior_ministry"]


BAD_FILES = [
    ("unknown_attribute", _rule("r1", when='when = { all = [{ attr = "colour", equals = "red" }] }'),
     "r1", "unbekanntes Merkmal „colour“", 'unknown attribute "colour"'),
    ("nested_unknown_attribute", _rule("r1", when='when = { any = [{ all = [{ attr = "ransom", equals = true }] }] }'),
     "r1", "unbekanntes Merkmal „ransom“", 'unknown attribute "ransom"'),
    ("unknown_value", _rule("r1", when='when = { all = [{ attr = "severity", in = ["high", "extreme"] }] }'),
     "r1", "„extreme“ ist kein Wert von „severity“", '"extreme" is not a value of "severity"'),
    ("flag_as_number", _rule("r1", when='when = { all = [{ attr = "ransom_note", equals = 1 }] }'),
     "r1", "„1“ ist kein Wert von „ransom_note“", '"1" is not a value of "ransom_note"'),
    ("bad_test", _rule("r1", when='when = { all = [{ attr = "severity", like = "hi" }] }'),
     "r1", "ein Test ist", "a test is"),
    ("unknown_anchor", _rule("r1", anchor="detected_at"),
     "r1", "unbekannter Anker „detected_at“", 'unknown anchor "detected_at"'),
    ("unknown_deadline_anchor", _rule("r1", anchor="deadline:bsig_interim"),
     "r1", "unbekannter Anker „deadline:bsig_interim“", 'unknown anchor "deadline:bsig_interim"'),
    ("unknown_unit", _rule("r1", offset="{ weeks = 2 }"),
     "r1", "unbekannte Einheit „weeks“ in „offset“", 'unknown unit "weeks" in "offset"'),
    ("negative_offset", _rule("r1", offset="{ hours = -24 }"),
     "r1", "„offset.hours“ muss eine ganze Zahl ab 0 sein", '"offset.hours" must be a whole number from 0'),
    ("fractional_offset", _rule("r1", offset="{ days = 1.5 }"),
     "r1", "„offset.days“ muss eine ganze Zahl", '"offset.days" must be a whole number'),
    ("text_offset", _rule("r1", offset='"24h"'),
     "r1", "„offset“ braucht eine Dauer", '"offset" needs a duration'),
    ("zero_offset", _rule("r1", offset="{ hours = 0 }"),
     "r1", "„offset“ darf nicht null sein", '"offset" must not be zero'),
    ("bad_reminder", _rule("r1", reminders="[{ hours = 2 }, { fortnights = 1 }]"),
     "r1", "unbekannte Einheit „fortnights“ in „remind_before“", 'unknown unit "fortnights" in "remind_before"'),
    ("self_cycle", _rule("r1", anchor="deadline:r1"),
     "r1", "Anker im Kreis (r1 → r1)", "cyclic anchors (r1 → r1)"),
    ("cycle", _rule("r1", anchor="deadline:r2") + _rule("r2", anchor="deadline:r1"),
     "r1", "Anker im Kreis (r1 → r2 → r1)", "cyclic anchors (r1 → r2 → r1)"),
    ("duplicate_key", _rule("r1") + _rule("r1", offset="{ hours = 1 }"),
     "r1", "Schlüssel kommt doppelt vor", "duplicate key"),
    ("missing_field", _rule("r1").replace('basis = "Landesgesetz"\n', ""),
     "r1", "Feld „basis“ fehlt", 'field "basis" is missing'),
    ("unknown_field", _rule("r1", extra='priority = 1'),
     "r1", "unbekanntes Feld „priority“", 'unknown field "priority"'),
    ("unknown_placeholder", _rule("r1", text="Gemeinde {gemeinde}"),
     "r1", "unbekannter Platzhalter „{gemeinde}“ in text_de", 'unknown placeholder "{gemeinde}" in text_de'),
    ("bad_key", _rule("Rule One"),
     "Rule One", "Schlüssel nur aus a–z", "key must be a-z"),
    ("no_key", _rule("r1").replace('key = "r1"\n', ""),
     "Nr. 1", "Feld „key“ fehlt", 'field "key" is missing'),
    ("toml_syntax", "[[rule]]\nkey = r1\n",
     None, "kein gültiges TOML", "not valid TOML"),
    ("unknown_table", "[rules]\nkey = 'r1'\n",
     None, "unbekannter Eintrag „rules“", 'unknown entry "rules"'),
]


@pytest.mark.parametrize(("case", "text", "rule", "de", "en"), BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_it_refuses_a_bad_rule_file_naming_file_and_rule(tmp_path: Path, case, text, rule, de, en) -> None:  # noqa: ANN001
    path = _write(tmp_path, text)

    with pytest.raises(DeadlineRuleError) as caught:
        deadlines.check_rules_file(path)

    error = caught.value
    assert error.source == str(path) and error.rule == rule
    where_de = f"Fristenregeln {path}" + (f", Regel „{rule}“" if rule else "")
    where_en = f"Deadline rules {path}" + (f', rule "{rule}"' if rule else "")
    assert error.de.startswith(f"{where_de}: {de}"), error.de
    assert error.en.startswith(f"{where_en}: {en}"), error.en
    assert "\n" not in error.de and "\n" not in error.en
    assert error.status_code == 422


def test_it_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(DeadlineRuleError) as caught:
        deadlines.check_rules_file(tmp_path / "missing.toml")
    assert caught.value.de.startswith(f"Fristenregeln {tmp_path / 'missing.toml'}: Datei nicht lesbar")

    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes("# Gemeindeübersicht\n".encode("latin-1"))
    with pytest.raises(DeadlineRuleError, match="not UTF-8"):
        deadlines.check_rules_file(latin1)


def test_it_refuses_a_bad_file_named_in_the_settings(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule("r1", when='when = { all = [{ attr = "colour", equals = "red" }] }'))

    with pytest.raises(DeadlineRuleError, match="unknown attribute"):
        deadlines.load_rules(load_settings(env="test", secret_key="x" * 32, deadline_rules=str(path)))


def test_it_may_replace_a_packaged_rule_that_others_anchor_on(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule("bsig_notification", anchor="first_known_at", offset="{ hours = 48 }",
                                  when='when = { all = [{ attr = "bsig_in_scope", equals = true }] }'))
    dues = dues_by_key(deadlines.check_rules_file(path), IN_SCOPE, {"first_known_at": berlin(2027, 1, 29, 10, 0)})

    assert dues["bsig_final_report"].due_at == berlin(2027, 2, 28, 10, 0).astimezone(UTC)


def test_it_refuses_a_cycle_through_a_packaged_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule("bsig_notification", anchor="deadline:bsig_final_report"))

    with pytest.raises(DeadlineRuleError, match="cyclic anchors"):
        deadlines.check_rules_file(path)


# --- report texts ---------------------------------------------------------------------------------------------------

CONTEXT = {
    "org_name": "Gemeinde Kleinmusterdorf",
    "incident_title": "Verschlüsselte Server im Rathaus",
    "category": "ransomware",
    "severity": "critical",
    "first_known_at": utc(2026, 3, 10, 6, 5),
    "reported_at": utc(2026, 3, 10, 7, 0),
    "what_happened": "Dateien mit Endung .lock, Erpresserschreiben auf allen Druckern.",
    "systems": "Fileserver, Bürgerbüro",
    "measures": "Netz getrennt.",
    "reporter_name": "Jörg Müller",
    "callback_phone": "+49 6131 111-222",
    "cert_name": "Landes-CERT",
    "data_exfiltrated": True,
    "citizen_services_down": False,
}


def test_it_fills_the_german_report_text(rules) -> None:  # noqa: ANN001
    text = deadlines.report_text(rules, "bsig_notification", CONTEXT)

    assert text.startswith("Meldung eines erheblichen Sicherheitsvorfalls nach § 32 Abs. 1 Nr. 2 BSIG")
    assert "Einrichtung: Gemeinde Kleinmusterdorf" in text
    assert "Art: Ransomware; Schweregrad: kritisch" in text
    assert "Kenntnis seit: 10.03.2026 07:05 MEZ; in kommcert gemeldet: 10.03.2026 08:00 MEZ" in text
    assert "Netz getrennt." in text and "dem Landes-CERT vor" in text
    assert "{" not in text


def test_it_fills_the_english_report_text(rules) -> None:  # noqa: ANN001
    text = deadlines.report_text(rules, "gdpr_art33", CONTEXT, lang="en")

    assert text.startswith("Notification of a personal data breach under Art. 33 GDPR")
    assert "Controller: Gemeinde Kleinmusterdorf" in text
    assert "Became aware on: 2026-03-10 07:05 CET" in text
    assert "Nature of the breach: Ransomware – Verschlüsselte Server im Rathaus" in text
    assert "Data taken: yes" in text
    assert "Kind: Ransomware; severity: critical" in deadlines.report_text(rules, "bsig_notification", CONTEXT, "en")


def test_it_says_yes_and_no_in_german(rules) -> None:  # noqa: ANN001
    text = deadlines.report_text(rules, "land_interior_ministry", CONTEXT)

    assert "Ausfall von Leistungen für Bürgerinnen und Bürger: nein" in text
    assert "Kommune: Gemeinde Kleinmusterdorf" in text


def test_it_leaves_a_missing_placeholder_visible_instead_of_failing(rules) -> None:  # noqa: ANN001
    text = deadlines.report_text(rules, "bsig_final_report", {"org_name": "VG Musterhausen", "measures": ""})

    assert "Einrichtung: VG Musterhausen" in text
    assert "{cause}" in text and "{measures}" in text and "{first_known_at}" in text
    assert deadlines.report_text(rules, "bsig_early_warning", {}).count("{org_name}") == 1


def test_it_leaves_other_braces_and_context_attributes_alone(tmp_path: Path) -> None:
    rules = deadlines.parse_rules(_rule("x", text="Wert {org_name} {0} {a.b} {{org_name}}"), "x.toml")

    assert deadlines.report_text(rules, "x", {"org_name": "Ort", "a": object()}) == "Wert Ort {0} {a.b} {Ort}"


def test_it_knows_the_incident_vocabulary() -> None:
    from kommcert.incidents.models import Category, Severity

    values = deadlines.attribute_values()
    assert values["category"] == set(Category) and values["severity"] == set(Severity)
    assert "ortsgemeinde" in values["org_kind"] and values["ransom_note"] == {True, False}


def test_it_fills_every_packaged_text_in_both_languages(rules) -> None:  # noqa: ANN001
    full = {name: "X" for name in deadlines.PLACEHOLDERS}
    for rule in rules:
        for lang in ("de", "en"):
            text = deadlines.report_text(rules, rule.key, full, lang=lang)
            assert "{" not in text and text.strip(), (rule.key, lang)


def test_it_knows_no_text_for_an_unknown_rule(rules) -> None:  # noqa: ANN001
    with pytest.raises(KeyError):
        deadlines.report_text(rules, "nis2_interim", CONTEXT)
