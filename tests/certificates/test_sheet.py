"""The printable certificate sheet: the PDF's design in HTML, for the pages to include."""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.utils import translation

from certificates.documents import CertificateDocument
from certificates.qr import qr_svg

URL = "https://learn.example.com/certificates/4f9c1e7b-2a6d-4e0f-8c5b-7a9d1e2f4a6c/"
CSS = Path(django_settings.BASE_DIR) / "static" / "css" / "certificate.css"


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
        issued_at=datetime(2026, 1, 15, 14, 30, tzinfo=UTC),
        course_length_seconds=3 * 3600 + 20 * 60 + 30,
        verify_url=URL,
        site_name="Edu Sphere",
    )
    return dataclasses.replace(document, **changes)


def render(document: CertificateDocument, **extra) -> str:
    context = {"document": document, "qr_svg": qr_svg(document.verify_url), **extra}
    return render_to_string("certificates/_sheet.html", context)


def test_the_sheet_shows_what_the_pdf_shows():
    html = render(make())
    for expected in (
        "Edu Sphere",
        "Certificate of completion",
        "Zoë Łukasiewicz 王小明",
        "Analytical Engines",
        "Taught by Ada Lovelace, Charles Babbage",
        "Course length: 3 h 21 min",
        '<time datetime="2026-01-15T14:30:00+00:00">Jan. 15, 2026</time>',
        "ES-7K3Q-92XD",
        f'<a href="{URL}">{URL}</a>',
        "Scan to verify",
    ):
        assert expected in html, expected
    assert "Revoked" not in html and "REVOKED" not in html


def test_the_qr_code_is_inline_with_its_title():
    html = render(make())
    assert '<svg role="img"' in html
    assert f"<title>QR code of the verification page: {URL}</title>" in html


def test_the_name_and_course_are_escaped():
    html = render(
        make(
            name='<script>alert("x")</script> O\'Brien & Co',
            course_title="<b>Bold</b> moves",
            instructors=("<i>Eve</i>",),
        )
    )
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#x27;Brien &amp; Co" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; moves" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;" in html


def test_the_sheet_is_a_titled_region_with_a_heading_at_the_level_asked():
    html = render(make())
    assert 'aria-labelledby="certificate-sheet-title"' in html
    assert '<h2 class="certificate-title" id="certificate-sheet-title">' in html
    html = render(make(), heading_level=3)
    assert '<h3 class="certificate-title" id="certificate-sheet-title">' in html
    assert "</h3>" in html


def test_a_revoked_certificate_says_so_and_when():
    html = render(make(revoked_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC)))
    assert "is-revoked" in html
    assert (
        'Revoked on <time datetime="2026-03-04T10:00:00+00:00">March 4, 2026</time>: '
        "this certificate is no longer valid." in html
    )
    # The diagonal word is decoration; the sentence above is what assistive technology reads.
    assert '<span class="certificate-watermark" aria-hidden="true">REVOKED</span>' in html


def test_no_instructors_and_no_length_print_no_empty_lines():
    html = render(make(instructors=(), course_length_seconds=0))
    assert "Taught by" not in html
    assert "Course length" not in html


def test_the_sheet_has_no_inline_style():
    # The CSP forbids style attributes; everything comes from certificate.css.
    assert "style=" not in render(make(revoked_at=datetime(2026, 3, 4, tzinfo=UTC)))


def test_printing_hides_the_sites_own_header_and_footer():
    """The print rules name the selectors base.html really uses, on an A4 landscape page."""
    css = CSS.read_text()
    print_rules = css[css.index("@media print") :]
    assert "size: A4 landscape" in print_rules
    hiding = [line for line in print_rules.splitlines() if "display: none" in line]
    base = render_to_string("base.html", {})
    for selector in ("site-header", "site-footer", "skip-link"):
        assert f'class="{selector}"' in base
        assert any(f".{selector}" in line for line in hiding), selector


def test_a_long_name_or_title_is_set_smaller_to_stay_on_one_page():
    assert "has-long" not in render(make())
    assert " has-long-name" in render(
        make(name="Maria Alejandra Guadalupe de los Ángeles Ruiz y Paz")
    )
    assert " has-longest-name" in render(make(name="Maria Alejandra " * 7))
    assert " has-long-title" in render(make(course_title="A long course title " * 6))
