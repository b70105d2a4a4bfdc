"""The certificate PDF: what it says, that every script prints, and that it is stable."""

import dataclasses
import io
from datetime import UTC, datetime

import pytest
from django.utils import translation
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from certificates.documents import CertificateDocument
from certificates.pdf import certificate_pdf

URL = "https://learn.example.com/certificates/4f9c1e7b-2a6d-4e0f-8c5b-7a9d1e2f4a6c/"
ISSUED = datetime(2026, 1, 15, 14, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english_utc(settings):
    settings.TIME_ZONE = "UTC"
    with translation.override("en"):
        yield


def make(**changes) -> CertificateDocument:
    document = CertificateDocument(
        number="ES-7K3Q-92XD",
        name="Zoë Łukasiewicz 王小明",
        course_title="Analytical Engines",
        instructors=("Ada Lovelace", "Charles Babbage"),
        issued_at=ISSUED,
        course_length_seconds=3 * 3600 + 20 * 60 + 30,
        verify_url=URL,
        site_name="Edu Sphere",
    )
    return dataclasses.replace(document, **changes)


def read(document: CertificateDocument) -> PdfReader:
    return PdfReader(io.BytesIO(certificate_pdf(document)))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_characters(reader: PdfReader) -> set[str]:
    """Every character some embedded font of the page has a glyph for (fpdf2 embeds
    subsets: only the glyphs it drew)."""
    characters = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        characters |= {chr(code) for code in TTFont(io.BytesIO(data)).getBestCmap()}
    return characters


def font_names(reader: PdfReader) -> list[str]:
    fonts = reader.pages[0]["/Resources"]["/Font"].values()
    return [str(font.get_object()["/BaseFont"]) for font in fonts]


def test_one_a4_landscape_page_with_everything_a_reader_checks():
    reader = read(make())
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (842, 595)  # A4 landscape, in points
    text = text_of(reader)
    for expected in (
        "Edu Sphere",
        "Certificate of completion",
        "Zoë Łukasiewicz 王小明",
        "Analytical Engines",
        "Ada Lovelace, Charles Babbage",
        "Jan. 15, 2026",  # the site's date format, as its pages print dates
        "3 h 21 min",  # the catalog's duration, minutes rounded up
        "ES-7K3Q-92XD",
        URL,
    ):
        assert expected in text, expected
    assert "Revoked" not in text


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Łukasiewicz 王小明",
        "Ελένη Παπαδοπούλου",
        "Иван Петров",
        "Søren Ærø-Żółć",
        "佐藤 花子",
        "김민준",
    ],
)
def test_a_name_in_any_script_is_printed_with_glyphs_for_every_letter(name):
    reader = read(make(name=name))
    assert name in text_of(reader)
    # Text extraction reads the mapping to Unicode; the glyphs themselves must be there too,
    # or the name would print as empty boxes.
    assert {char for char in name if not char.isspace()} <= embedded_characters(reader)


def test_the_cjk_font_is_embedded_only_for_a_name_that_needs_it():
    assert not any("Droid" in name for name in font_names(read(make(name="Ada Lovelace"))))
    assert any("Droid" in name for name in font_names(read(make(name="王小明"))))


def test_the_verification_url_is_a_link():
    reader = read(make())
    links = [
        annotation.get_object()
        for annotation in reader.pages[0]["/Annots"]
        if annotation.get_object()["/Subtype"] == "/Link"
    ]
    assert links
    assert {link["/A"]["/URI"] for link in links} == {URL}


def test_the_metadata_names_the_site_and_the_certificate():
    metadata = read(make()).metadata
    assert metadata.author == "Edu Sphere"
    assert "Certificate of completion" in metadata.title
    assert "Analytical Engines" in metadata.title
    assert metadata.creation_date == ISSUED  # the issue date, not the time of download


def test_the_same_certificate_gives_the_same_bytes():
    assert certificate_pdf(make()) == certificate_pdf(make())
    assert certificate_pdf(make()) != certificate_pdf(make(name="Ada Lovelace"))


def test_a_revoked_certificate_says_so_and_when():
    reader = read(make(revoked_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC)))
    text = text_of(reader)
    assert "Revoked on March 4, 2026" in text
    assert "no longer valid" in text
    assert "REVOKED" in text  # the watermark across the sheet


def test_dates_are_printed_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # 15 January 23:30 UTC is the 16th there
    text = text_of(read(make(issued_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC))))
    assert "Jan. 16, 2026" in text


def test_no_instructors_and_no_length_print_no_empty_lines():
    text = text_of(read(make(instructors=(), course_length_seconds=0)))
    assert "Taught by" not in text
    assert "Course length" not in text


def test_a_very_long_name_and_title_still_fit_on_one_page():
    name = "Maria Alejandra Guadalupe de los Ángeles Fernández-Castellanos y Rodríguez " * 2
    title = "A very long course title about reproducible data analysis, " * 3
    reader = read(make(name=name.strip(), course_title=title.strip()))
    assert len(reader.pages) == 1
    flat = " ".join(text_of(reader).split())
    assert "Fernández-Castellanos y Rodríguez" in flat
    assert "ES-7K3Q-92XD" in flat
