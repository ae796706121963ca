"""The CERT's own warnings: a helper that writes one as the Landes-CERT's analyst."""

from __future__ import annotations

from typing import Any

import pytest

from kommcert.advisories import authoring
from kommcert.advisories.authoring import WarningIn

EXCHANGE = {"vendor": "Microsoft", "product": "Exchange Server", "version": "2019 CU12", "fixed": "2019 CU14",
            "cpe": "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*"}
CVSS3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def warning_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Kritische Schwachstelle in Exchange Server – Übernahme möglich", "risk": "kritisch",
        "description": "Angreifer können über das Netz Code ausführen (Größenordnung: alle Systeme).",
        "measures": "Sofort auf CU14 aktualisieren; bis dahin OWA sperren.",
        "products": [EXCHANGE], "cves": [{"id": "CVE-2026-12345", "cvss3": CVSS3, "cvss4": CVSS4}],
        "references": [{"url": "https://msrc.example.com/CVE-2026-12345", "summary": "Hersteller"}],
        "tlp": "clear"}
    values.update(overrides)
    return values


@pytest.fixture
def write(db, personas, settings):  # noqa: ANN001, ANN201
    """``write(**values)`` makes a draft as land_cert_analyst; ``publish(advisory)`` publishes it."""

    def _write(who: str = "land_cert_analyst", **values: Any):  # noqa: ANN202
        return authoring.create_warning(db, actor=personas.actor(who), warning_in=WarningIn(**warning_values(**values)),
                                        settings=settings)

    return _write


@pytest.fixture
def publish(db, personas, settings):  # noqa: ANN001, ANN201
    def _publish(advisory, who: str = "land_cert_analyst", **kw: Any):  # noqa: ANN001, ANN202
        return authoring.publish_warning(db, actor=personas.actor(who), advisory_id=advisory.id, settings=settings,
                                         **kw)

    return _publish
