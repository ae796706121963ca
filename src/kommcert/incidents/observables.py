"""Observables of an incident: values of indicator types normalised like indicators, the rest as text.

Pure functions: the same rules for the form, the API and the CLI; the stored value is what publication
later turns into an indicator (``indicator_type``).
"""

from __future__ import annotations

import re

from kommcert.errors import InvalidInput
from kommcert.incidents.models import ObservableType
from kommcert.indicators import normalize as indicator_normalize
from kommcert.indicators.types import HASH_LENGTHS, IndicatorType

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_observable(kind: ObservableType, value: str) -> tuple[str, str | None]:
    """The stored value and, for indicator types, the indicator type it normalised to. Invalid
    values are refused with the indicator normaliser's message."""
    text = value.strip()
    if not text or "\x00" in text:
        raise InvalidInput("Bitte einen Wert angeben.", "Please give a value.")
    if kind == ObservableType.ip:
        got, normal = indicator_normalize.normalize_ip(indicator_normalize.refang(text))
        return normal, str(got)
    if kind == ObservableType.domain:
        return indicator_normalize.normalize(IndicatorType.domain, text)[1], str(IndicatorType.domain)
    if kind == ObservableType.url:
        return indicator_normalize.normalize(IndicatorType.url, text)[1], str(IndicatorType.url)
    if kind == ObservableType.email:
        return indicator_normalize.normalize(IndicatorType.email, text)[1], str(IndicatorType.email)
    if kind == ObservableType.hash:
        by_length = {length: t for t, length in HASH_LENGTHS.items()}
        hash_type = by_length.get(len(text))
        if hash_type is None:
            raise InvalidInput(f"„{text[:80]}“: kein MD5-, SHA-1- oder SHA-256-Hash",
                               f"'{text[:80]}': not an MD5, SHA-1 or SHA-256 hash")
        return indicator_normalize.normalize(hash_type, text)[1], str(hash_type)
    if _CONTROL.search(text):
        raise InvalidInput("Steuerzeichen im Wert.", "Control characters in the value.")
    return text, None
