"""TLP 2.0 labels (FIRST, 2022)."""

from __future__ import annotations

from enum import StrEnum


class TLP(StrEnum):
    clear = "clear"
    green = "green"
    amber = "amber"
    amber_strict = "amber+strict"
    red = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Accept ``TLP:AMBER+STRICT``, ``amber+strict``, ``white`` (TLP 1.0) and friends."""
        value = text.strip().lower().removeprefix("tlp:").strip()
        value = {"white": "clear", "amber-strict": "amber+strict", "amber_strict": "amber+strict"}.get(
            value, value
        )
        return cls(value)


# Denials of these are written to the audit log.
AUDITED_DENIALS = frozenset({TLP.amber_strict, TLP.red})
