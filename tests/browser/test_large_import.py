"""Issue 11.1 in Chromium: a list larger than the part of an import done inside a request (2 MiB)
is previewed once, imported by a process of its own that the server starts, and the page follows
its progress until the counts appear — in German, with nothing sent twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kommcert.indicators.models import Indicator
from tests.personas import build_personas

pytestmark = pytest.mark.browser

VALUES = 60_000


@pytest.fixture(scope="module")
def analyst(live_server) -> str:  # noqa: ANN001
    with live_server.session() as db:
        email = build_personas(db).users["land_cert_analyst"].email
        db.commit()
        return email


def test_a_list_of_several_megabytes_imports_from_the_page_with_progress(live_server, browser, analyst,  # noqa: ANN001
                                                                         tmp_path) -> None:
    listing = tmp_path / "sperrliste.txt"
    listing.write_text("".join(f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}  # aus dem Vorfall, Eintrag {i}\n"
                               for i in range(1, VALUES + 1)))
    assert listing.stat().st_size > live_server.settings.import_inline_bytes
    page = live_server.logged_in(browser, analyst)
    try:
        page.goto(live_server.url + "/indicators/import")
        page.select_option("#format", "text")
        page.set_input_files("#file", str(listing))
        page.select_option("#tlp", "green")
        page.get_by_role("button", name="Vorschau").click()
        page.get_by_text(f"{VALUES} Indikatoren gefunden").wait_for()
        page.get_by_role("button", name="Jetzt importieren").click()
        # the job's page; htmx asks every second and reloads it when the job is done
        page.wait_for_url(live_server.url + "/indicators/import/jobs/*")
        page.get_by_text(f"{VALUES} Indikatoren übernommen").wait_for(timeout=120_000)
        assert "Fehler" not in page.content()
    finally:
        page.context.close()
    with live_server.session() as db:
        assert db.scalar(select(func.count()).select_from(Indicator)) == VALUES
