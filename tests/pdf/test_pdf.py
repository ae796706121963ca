"""PDF output: German text and tables come out as extractable text, pages are numbered, the TLP marking is on
every page, and rendering reads nothing outside its base directory."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from kommcert.pdf import _allowed, render_pdf
from kommcert.sharing.tlp import TLP

ROWS = 90  # enough for three A4 pages


def _document(rows: int = ROWS, extra: str = "") -> str:
    body = "".join(f"<tr><td>{n}</td><td>Maßnahme {n}: Rechner im Bürgerbüro geprüft</td></tr>" for n in range(rows))
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Abschlussbericht</title></head>
<body>
<h1>Abschlussbericht Vorfall Kleinmusterdorf</h1>
<p>Größere Störung: Fachverfahren für Bürgerinnen und Bürger fielen aus; Übergabe an das Landes-CERT.</p>
<table><thead><tr><th>Nr.</th><th>Maßnahme</th></tr></thead><tbody>{body}</tbody></table>
{extra}
</body></html>"""


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def amber_report() -> bytes:
    return render_pdf(_document(), tlp=TLP.amber_strict)


def test_it_renders_german_text_and_tables_as_extractable_text(amber_report: bytes) -> None:
    assert amber_report.startswith(b"%PDF-")
    text = "\n".join(_pages(amber_report))

    assert "Abschlussbericht Vorfall Kleinmusterdorf" in text
    assert "Größere Störung: Fachverfahren für Bürgerinnen und Bürger fielen aus; Übergabe" in text
    assert "Maßnahme 0: Rechner im Bürgerbüro geprüft" in text
    assert f"{ROWS - 1} Maßnahme {ROWS - 1}:" in text


def test_it_numbers_the_pages_in_german(amber_report: bytes) -> None:
    pages = _pages(amber_report)

    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"Seite {number} von {len(pages)}" in text


def test_it_repeats_the_table_head_on_every_page(amber_report: bytes) -> None:
    assert all("Nr. Maßnahme" in text for text in _pages(amber_report))


def test_it_marks_every_page_with_the_tlp_at_top_and_bottom(amber_report: bytes) -> None:
    for text in _pages(amber_report):
        assert text.count("TLP:AMBER+STRICT") == 2


def test_it_accepts_a_tlp_label_and_numbers_pages_in_english() -> None:
    pages = _pages(render_pdf(_document(rows=40), tlp="tlp:green", lang="en"))

    assert len(pages) == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert all(text.count("TLP:GREEN") == 2 for text in pages)


def test_it_prints_no_marking_when_none_is_given() -> None:
    (text,) = _pages(render_pdf(_document(rows=3)))

    assert "TLP:" not in text and "Seite 1 von 1" in text


def test_it_refuses_an_unknown_tlp() -> None:
    with pytest.raises(ValueError):
        render_pdf(_document(rows=1), tlp="TLP:PURPLE")


def test_it_embeds_debians_dejavu_fonts(amber_report: bytes) -> None:
    page = PdfReader(io.BytesIO(amber_report)).pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}

    assert fonts and all("DejaVu" in font for font in fonts), fonts


def test_it_reads_images_below_its_base_directory(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (20, 20), "red").save(tmp_path / "stempel.png")
    pdf = render_pdf(_document(rows=1, extra='<img src="stempel.png" alt="Stempel">'), base_url=tmp_path)

    assert _images(pdf) == 1


def test_it_reads_nothing_outside_its_base_directory(tmp_path: Path) -> None:
    from PIL import Image

    base, outside = tmp_path / "base", tmp_path / "secret"
    base.mkdir()
    outside.mkdir()
    Image.new("RGB", (20, 20), "red").save(outside / "bild.png")
    (outside / "geheim.txt").write_text("Passwort", encoding="utf-8")
    extra = (f'<img src="{(outside / "bild.png").as_uri()}"><img src="../secret/bild.png">'
             f'<img src="http://127.0.0.1:9/x.png"><a rel="attachment" href="{(outside / "geheim.txt").as_uri()}">a</a>'
             '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">')
    pdf = render_pdf(_document(rows=1, extra=extra), base_url=base.as_uri())

    assert _images(pdf) == 0
    assert b"Passwort" not in pdf and not PdfReader(io.BytesIO(pdf)).attachments


def test_it_allows_data_urls_and_files_below_the_root_only(tmp_path: Path) -> None:
    assert _allowed("data:image/png;base64,AAAA", tmp_path)
    assert _allowed((tmp_path / "a" / "b.png").as_uri(), tmp_path)
    assert not _allowed((tmp_path / ".." / "x.png").as_uri(), tmp_path)
    assert not _allowed("file:///etc/passwd", tmp_path)
    assert not _allowed("https://example.org/logo.png", tmp_path)
    assert not _allowed("ftp://example.org/logo.png", tmp_path)


def test_it_refuses_a_network_base_url() -> None:
    with pytest.raises(ValueError, match="local directory"):
        render_pdf(_document(rows=1), base_url="http://127.0.0.1:8000/")


def _images(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject")
        if xobjects:
            count += sum(1 for item in xobjects.values() if item.get_object().get("/Subtype") == "/Image")
    return count
