"""The QR code of a certificate: inline SVG for the pages, PNG bytes for elsewhere."""

import io
import re
import xml.etree.ElementTree as ET  # noqa: S405  (parses our own output, not input)

import pytest
import segno
from django.utils.safestring import SafeString
from PIL import Image

from certificates.qr import qr_png, qr_svg

URL = "https://learn.example.com/certificates/4f9c1e7b-2a6d-4e0f-8c5b-7a9d1e2f4a6c/"
SVG = "{http://www.w3.org/2000/svg}"


def modules_of(svg: str) -> list[list[bool]]:
    """The dark modules the SVG draws, read back from its path (segno draws each row's runs
    as horizontal strokes: M/m moves, h draws)."""
    root = ET.fromstring(svg)  # noqa: S314
    size = int(root.get("viewBox").split()[2])
    grid = [[False] * size for _ in range(size)]
    path = root.find(f"{SVG}path[@class='qr-code-modules']")
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", path.get("d")):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for column in range(round(x), round(x + values[0])):
                grid[int(y)][column] = True
            x += values[0]
    return grid


def test_the_svg_is_well_formed_and_titled_with_the_url():
    svg = qr_svg(URL)
    assert isinstance(svg, SafeString)  # the templates print it as markup
    root = ET.fromstring(svg)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and URL in title.text
    assert list(root)[0] is title  # the first child names the image for screen readers


def test_the_svg_scales_and_needs_no_style_attribute():
    svg = qr_svg(URL)
    root = ET.fromstring(svg)  # noqa: S314
    assert root.get("viewBox")
    assert root.get("width") is None and root.get("height") is None  # CSS sizes it
    assert "style" not in svg  # the CSP forbids style attributes and elements


def test_the_svg_draws_the_qr_code_of_the_url():
    expected = segno.make_qr(URL, error="m")
    drawn = modules_of(qr_svg(URL))
    matrix = [[bool(m) for m in row] for row in expected.matrix_iter(border=4)]
    assert drawn == matrix
    assert modules_of(qr_svg(URL + "x")) != drawn


def test_a_url_with_markup_characters_stays_well_formed():
    url = 'https://learn.example.com/certificates/a?b=1&c=<d>"'
    svg = qr_svg(url)
    title = ET.fromstring(svg).find(f"{SVG}title")  # noqa: S314
    assert url in title.text
    assert "<d>" not in svg


@pytest.mark.parametrize("scale", [1, 4])
def test_the_png_is_the_code_at_the_scale_asked(scale):
    data = qr_png(URL, scale)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = Image.open(io.BytesIO(data)).size
    modules = segno.make_qr(URL, error="m").symbol_size(border=4)[0]
    assert width == height == modules * scale
