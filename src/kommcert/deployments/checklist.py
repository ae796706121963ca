"""The default hand-over checklist for reconnecting a municipality to the Landesnetz.

Created when the team departs; the parties may add lines. Each line is done only when a named
person confirms it. German: the checklist is read and signed in the municipality.
"""

from __future__ import annotations

from kommcert.deployments.models import HandoverArea

DEFAULT_CHECKLIST: tuple[tuple[HandoverArea, str], ...] = (
    (HandoverArea.rebuilt, "Domänencontroller neu aufgesetzt"),
    (HandoverArea.rebuilt, "Kennwörter aller privilegierten Konten geändert"),
    (HandoverArea.rebuilt, "Betroffene Server und Arbeitsplätze aus sauberen Quellen neu installiert"),
    (HandoverArea.checked, "Sicherungen geprüft und offline"),
    (HandoverArea.checked, "EDR auf allen Systemen aktiv"),
    (HandoverArea.checked, "Keine IoCs des Vorfalls mehr sichtbar"),
    (HandoverArea.checked, "Firewall-Regeln zum Landesnetz geprüft"),
)

AREA_LABELS_DE = {HandoverArea.rebuilt: "Neu aufgebaut", HandoverArea.checked: "Geprüft"}
