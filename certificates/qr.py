"""The QR code printed on a certificate, leading to its public verification page."""

import functools
import io

import segno
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Black on white whatever the colour scheme: phone cameras read dark modules on a light
# ground most reliably, and the quiet zone (4 modules, the standard's minimum) is part of it.
DARK = "#000000"
LIGHT = "#ffffff"
BORDER = 4


def qr_code(url: str) -> segno.QRCode:
    """The code itself; the SVG, the PNG and the PDF (which draws it as vectors) share it."""
    # Medium error correction at least (segno raises it when the version has room): the
    # code stays readable on a creased or smudged printout.
    return segno.make_qr(url, error="m")


def qr_svg(url: str) -> SafeString:
    """Inline SVG markup of the QR code for ``url``, scalable, with a title for screen readers.

    Only presentation attributes and classes: the site's CSP forbids style attributes.
    Remembered per process: encoding a code costs more than rendering the page around it.
    """
    return _qr_svg(url, get_language())


@functools.lru_cache(maxsize=1024)
def _qr_svg(url: str, language: str | None) -> SafeString:
    out = io.BytesIO()
    qr_code(url).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,  # a viewBox only, so CSS decides the size
        border=BORDER,
        dark=DARK,
        light=LIGHT,
        svgclass="qr-code",
        lineclass="qr-code-modules",
        title=_("QR code of the verification page: %(url)s") % {"url": url},
    )
    markup = out.getvalue().decode()
    # An image to assistive technology, named by its <title>; crisp edges keep the module
    # rows from showing hairline seams when scaled.
    markup = markup.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)
    # segno escapes the title (the only text from outside); the rest is its own markup.
    return mark_safe(markup)  # noqa: S308  # nosec B308 B703


def qr_png(url: str, scale: int) -> bytes:
    """PNG bytes of the QR code for ``url``, each module ``scale`` pixels wide."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=BORDER, dark=DARK, light=LIGHT)
    return out.getvalue()
