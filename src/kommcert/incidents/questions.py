"""The questions of the BSI IT-Notfallkarte ("Was melden?"), once for the card and the incident form.

``CARD_QUESTIONS`` are printed on every organisation's Notfallkarte (``orgs/card.html``) in this
order and wording; the incident form asks the same, followed by the yes/no questions whose answers
become the incident's attributes (the deadline rules test them). ``field`` names where an answer
lands: an :class:`~kommcert.incidents.schemas.IncidentCreate` field or ``answers.<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kommcert.errors import InvalidInput


class Kind(StrEnum):
    text = "text"
    datetime = "datetime"
    yes_no = "yes_no"


@dataclass(frozen=True)
class Question:
    key: str
    text_de: str
    kind: Kind = Kind.text
    required: bool = False
    fields: tuple[str, ...] = ()
    hint_de: str = ""

    @property
    def answer_key(self) -> str | None:
        """The key in ``Incident.answers`` for free-text answers kept there, else None."""
        return self.key if self.fields == (f"answers.{self.key}",) else None


CARD_QUESTIONS: tuple[Question, ...] = (
    Question("reporter", "Wer meldet? (Name, Erreichbarkeit)", required=True,
             fields=("reporter_name", "callback_phone"),
             hint_de="Eine Rückrufnummer, die ohne Rathaus-Telefonanlage erreichbar ist."),
    Question("systems", "Welches IT-System ist betroffen?", required=True, fields=("answers.systems",)),
    Question("observed", "Wie haben Sie den Notfall bemerkt? Was haben Sie beobachtet?", required=True,
             fields=("answers.observed",)),
    Question("since", "Wann ist der Notfall eingetreten?", Kind.datetime, fields=("first_known_at",),
             hint_de="Ohne Angabe gilt der Zeitpunkt der Meldung."),
    Question("location", "Wo befindet sich das betroffene System? (Gebäude, Raum)", fields=("answers.location",)),
    Question("actions_taken", "Was wurde bereits unternommen?", fields=("answers.actions_taken",)),
)

# The yes/no questions: their key is the Incident attribute they set.
YES_NO_QUESTIONS: tuple[Question, ...] = (
    Question("ransom_note", "Gibt es eine Lösegeldforderung (Erpresserschreiben)?", Kind.yes_no,
             fields=("ransom_note",)),
    Question("data_exfiltrated", "Wurden Daten abgezogen oder veröffentlicht?", Kind.yes_no,
             fields=("data_exfiltrated",)),
    Question("citizen_services_down", "Sind Dienstleistungen für Bürgerinnen und Bürger ausgefallen?", Kind.yes_no,
             fields=("citizen_services_down",)),
    Question("personal_data_affected", "Sind personenbezogene Daten betroffen?", Kind.yes_no,
             fields=("personal_data_affected",)),
    Question("bsig_answer", "Fällt Ihre Organisation unter § 32 BSIG (Meldepflicht)?", Kind.yes_no,
             fields=("bsig_answer",)),
    Question("land_rules_in_scope", "Gelten Meldepflichten nach Landesrecht?", Kind.yes_no,
             fields=("land_rules_in_scope",)),
)

QUESTIONS: tuple[Question, ...] = CARD_QUESTIONS + YES_NO_QUESTIONS
ANSWER_KEYS: tuple[str, ...] = tuple(q.answer_key for q in QUESTIONS if q.answer_key)
MAX_ANSWER_CHARS = 10_000


def clean_answers(answers: Mapping[str, object]) -> dict[str, str]:
    """The free-text answers, stripped; unknown keys, missing required answers and overlong texts
    are refused with the question's wording."""
    unknown = sorted(set(answers) - set(ANSWER_KEYS))
    if unknown:
        raise InvalidInput(f"Unbekannte Frage: {', '.join(unknown[:5])}", f"Unknown question: {', '.join(unknown[:5])}")
    cleaned: dict[str, str] = {}
    for question in QUESTIONS:
        key = question.answer_key
        if key is None:
            continue
        value = answers.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"Die Antwort auf „{question.text_de}“ muss ein Text sein.",
                               f"The answer to '{key}' must be a text.")
        text = (value or "").strip()
        if question.required and not text:
            raise InvalidInput(f"Bitte beantworten: „{question.text_de}“",
                               f"Please answer the question '{key}'.")
        if len(text) > MAX_ANSWER_CHARS:
            raise InvalidInput(f"Die Antwort auf „{question.text_de}“ ist zu lang.",
                               f"The answer to '{key}' is too long.")
        if text:
            cleaned[key] = text
    return cleaned
