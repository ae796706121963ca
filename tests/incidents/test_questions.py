"""The Notfallkarte's questions are one source for the card and the incident form; every label has English."""

from __future__ import annotations

import html

from kommcert import i18n
from kommcert.incidents import models, questions


def test_the_card_prints_the_questions_from_the_one_source(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    page = html.unescape(client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte").text)
    positions = [page.index(q.text_de) for q in questions.CARD_QUESTIONS]
    assert positions == sorted(positions) and len(positions) == 6
    english = html.unescape(client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte?lang=en").text)
    assert "Who is reporting? (name, how to reach you)" in english


def test_the_incident_form_asks_the_card_questions_and_the_attributes() -> None:
    keys = [q.key for q in questions.QUESTIONS]
    assert keys[:6] == ["reporter", "systems", "observed", "since", "location", "actions_taken"]
    yes_no = {q.key for q in questions.QUESTIONS if q.kind == questions.Kind.yes_no}
    assert yes_no == {"ransom_note", "data_exfiltrated", "citizen_services_down", "personal_data_affected",
                      "bsig_answer", "land_rules_in_scope"}
    assert all(hasattr(models.Incident, key) for key in yes_no)
    assert questions.ANSWER_KEYS == ("systems", "observed", "location", "actions_taken")


def test_every_incident_label_and_question_has_english() -> None:
    english = i18n._english()
    labels = [*models.CATEGORY_LABELS_DE.values(), *models.SEVERITY_LABELS_DE.values(),
              *models.PHASE_LABELS_DE.values(), *models.PARTICIPANT_ROLE_LABELS_DE.values(),
              *models.OBSERVABLE_TYPE_LABELS_DE.values(), *models.EVENT_LABELS_DE.values(),
              *(q.text_de for q in questions.QUESTIONS), *(q.hint_de for q in questions.QUESTIONS if q.hint_de)]
    assert [label for label in labels if label not in english] == []
    assert set(models.EVENT_LABELS_DE) == set(models.EventKind)
