"""The certificate as a PDF: one A4 landscape page, the same design as the printable sheet.

Made with fpdf2 (pure Python). The text is set in DejaVu Sans, embedded from
``certificates/fonts`` because fpdf2's core fonts know Latin-1 only and a learner's name may
be in any script; Droid Sans Fallback fills in Chinese, Japanese and Korean characters.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from certificates.documents import CertificateDocument
from certificates.qr import BORDER as QR_BORDER
from certificates.qr import qr_code
from courses.templatetags.catalog_tags import duration

# fontTools reports every step of subsetting the fonts at INFO, dozens of lines per PDF;
# the site logs at INFO. Quieted here unless the settings gave it a level of their own.
if logging.getLogger("fontTools").level == logging.NOTSET:
    logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FALLBACK_FAMILY = "DroidFallback"
FALLBACK_FONT = "DroidSansFallback.ttf"

# The colour tokens of static/css/site.css (light scheme, as printed), as RGB.
TEXT = (0x18, 0x20, 0x2B)
TEXT_MUTED = (0x4D, 0x5A, 0x69)
BORDER = (0xD5, 0xDC, 0xE5)
PRIMARY = (0x2F, 0x4F, 0xD8)
DANGER = (0xB4, 0x23, 0x18)
DANGER_SOFT = (0xFD, 0xEC, 0xEA)
WHITE = (0xFF, 0xFF, 0xFF)
BLACK = (0x00, 0x00, 0x00)

# Page geometry in millimetres (A4 landscape is 297 × 210).
PAGE_W = 297
PAGE_H = 210
LEFT = 28
RIGHT = PAGE_W - 28
WIDTH = RIGHT - LEFT
QR_SIZE = 38
FOOT_TOP = PAGE_H - 24 - QR_SIZE  # where the QR code and the facts beside it begin


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return timezone.localtime(moment)


def _date(moment: datetime) -> str:
    """The date as the site's pages print it (the ``date`` filter's default format)."""
    return formats.date_format(_local(moment), "DATE_FORMAT")


def course_length(seconds: int) -> str:
    """The course's length as the catalog prints it ('3 h 20 min'), minutes rounded up."""
    return duration((max(seconds, 0) + 59) // 60)


@dataclass(frozen=True)
class _Block:
    """One centred paragraph of the certificate's body."""

    text: str
    size: float  # points, at full scale
    bold: bool = False
    color: tuple[int, int, int] = TEXT
    gap: float = 0  # millimetres above it, at full scale
    shrink_to: float = 0  # a size it may shrink to, to keep to one line
    rule: bool = False  # a short primary rule below it


class _CertificatePDF(FPDF):
    def __init__(self, texts: list[str]):
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(LEFT, 0, PAGE_W - RIGHT)
        for style, filename in FONTS.items():
            self.add_font(FAMILY, style, FONT_DIR / filename)
        # The 3.5 MB CJK font costs a fifth of a second to parse: load it only when needed.
        needed = {ord(char) for text in texts for char in text if not char.isspace()}
        if any(needed - font.cmap.keys() for font in self.fonts.values()):
            self.add_font(FALLBACK_FAMILY, "", FONT_DIR / FALLBACK_FONT)
            # It has one weight; a bold name takes its regular glyphs rather than none.
            self.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)

    def text_style(self, size: float, *, bold: bool = False, color=TEXT) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def block_style(self, block: _Block, scale: float) -> None:
        """The block's font at ``scale``, shrunk (not below shrink_to) to fit one line."""
        size = block.size * scale
        smallest = (block.shrink_to or block.size) * scale
        self.text_style(size, bold=block.bold, color=block.color)
        while size > smallest and self.get_string_width(block.text) > WIDTH:
            size = max(size - 1, smallest)
            self.text_style(size, bold=block.bold, color=block.color)

    def block(self, block: _Block, scale: float, *, dry_run: bool = False) -> float:
        """Set the block (or only measure it); returns the height it takes."""
        self.block_style(block, scale)
        gap = block.gap * scale
        if not dry_run:
            self.set_xy(LEFT, self.get_y() + gap)
        height = self.multi_cell(
            WIDTH,
            self.font_size * 1.3,
            block.text,
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            dry_run=dry_run,
            output=MethodReturnValue.HEIGHT,
        )
        rule = 8 * scale if block.rule else 0
        if block.rule and not dry_run:
            y = self.get_y() + rule / 2
            self.set_draw_color(*PRIMARY)
            self.set_line_width(0.8)
            self.line(PAGE_W / 2 - 20, y, PAGE_W / 2 + 20, y)
            self.set_y(self.get_y() + rule)
        return gap + height + rule


def _labels(document: CertificateDocument) -> dict[str, str]:
    """Every sentence the page prints, in the current language."""
    labels = {
        "site": document.site_name,
        "title": _("Certificate of completion"),
        "certifies": _("This certifies that"),
        "name": document.name,
        "completed": _("has completed the course"),
        "course": document.course_title,
        "issued": _("Issued on %(date)s") % {"date": _date(document.issued_at)},
        "number": _("Certificate number: %(number)s") % {"number": document.number},
        "verify": _("Verify this certificate at:"),
        "url": document.verify_url,
        "scan": _("Scan to verify"),
    }
    if document.instructors:
        labels["instructors"] = _("Taught by %(instructors)s") % {
            "instructors": ", ".join(document.instructors)
        }
    if document.course_length_seconds > 0:
        labels["length"] = _("Course length: %(length)s") % {
            "length": course_length(document.course_length_seconds)
        }
    if document.revoked_at:
        labels["revoked_mark"] = _("REVOKED")
        labels["revoked"] = _("Revoked on %(date)s: this certificate is no longer valid.") % {
            "date": _date(document.revoked_at)
        }
    return labels


def _body(labels: dict[str, str]) -> list[_Block]:
    blocks = [
        _Block(labels["site"], 13, bold=True, color=PRIMARY),
        _Block(labels["title"], 30, bold=True, gap=3, shrink_to=20, rule=True),
        _Block(labels["certifies"], 12, color=TEXT_MUTED, gap=4),
        _Block(labels["name"], 36, bold=True, gap=3, shrink_to=20),
        _Block(labels["completed"], 12, color=TEXT_MUTED, gap=3),
        _Block(labels["course"], 22, bold=True, gap=3, shrink_to=15),
    ]
    if "instructors" in labels:
        blocks.append(_Block(labels["instructors"], 12, gap=5))
    if "length" in labels:
        blocks.append(_Block(labels["length"], 12, gap=1 if "instructors" in labels else 5))
    return blocks


def _frame(pdf: _CertificatePDF) -> None:
    pdf.set_draw_color(*PRIMARY)
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_draw_color(*BORDER)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, PAGE_W - 26, PAGE_H - 26)


def _revoked(pdf: _CertificatePDF, labels: dict[str, str]) -> None:
    # A faint diagonal word under everything, so no printout of it passes for valid.
    with pdf.local_context(fill_opacity=0.12):
        pdf.text_style(96, bold=True, color=DANGER)
        word = labels["revoked_mark"]
        with pdf.rotation(28, x=PAGE_W / 2, y=PAGE_H / 2):
            pdf.text(PAGE_W / 2 - pdf.get_string_width(word) / 2, PAGE_H / 2 + 12, word)
    pdf.set_fill_color(*DANGER_SOFT)
    pdf.set_draw_color(*DANGER)
    pdf.set_line_width(0.4)
    pdf.set_xy(LEFT, 18)
    pdf.text_style(11, bold=True, color=DANGER)
    pdf.multi_cell(WIDTH, 7, labels["revoked"], border=1, align=Align.C, fill=True, padding=1)


def _qr(pdf: _CertificatePDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (crisp at any zoom), on a white quiet zone."""
    rows = list(qr_code(url).matrix_iter(border=QR_BORDER))
    module = size / len(rows)
    pdf.set_fill_color(*WHITE)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(*BLACK)
    for row_index, row in enumerate(rows):
        start = None
        for column, dark in enumerate([*row, 0]):  # the sentinel closes the last run
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(
                    x + start * module,
                    y + row_index * module,
                    (column - start) * module,
                    module,
                    style="F",
                )
                start = None
    pdf.link(x, y, size, size, url)


def _foot(pdf: _CertificatePDF, labels: dict[str, str], url: str) -> None:
    """The facts to check on the left, the QR code leading to them on the right."""
    qr_x = RIGHT - QR_SIZE
    _qr(pdf, url, qr_x, FOOT_TOP, QR_SIZE)
    pdf.text_style(8, color=TEXT_MUTED)
    pdf.set_xy(qr_x - 6, FOOT_TOP + QR_SIZE + 0.5)
    pdf.cell(QR_SIZE + 12, 4, labels["scan"], align=Align.C)

    lines = {"w": qr_x - LEFT - 10, "new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.set_xy(LEFT, FOOT_TOP + 2)
    pdf.text_style(11)
    pdf.multi_cell(h=6, text=labels["issued"], **lines)
    pdf.multi_cell(h=6, text=labels["number"], **lines)
    pdf.ln(2)
    pdf.text_style(9, color=TEXT_MUTED)
    pdf.multi_cell(h=5, text=labels["verify"], **lines)
    pdf.text_style(9, color=PRIMARY)
    pdf.multi_cell(h=5, text=labels["url"], link=url, **lines)


def certificate_pdf(document: CertificateDocument) -> bytes:
    """The PDF of ``document``; the same document always gives the same bytes."""
    labels = _labels(document)
    pdf = _CertificatePDF(list(labels.values()))

    pdf.set_title(f"{labels['title']}: {document.course_title} · {document.name}")
    pdf.set_author(document.site_name)
    pdf.set_creator(document.site_name)
    pdf.set_subject(
        _("%(name)s completed %(course)s")
        % {"name": document.name, "course": document.course_title}
    )
    pdf.set_lang(translation.get_language() or "en")
    # Fixed to the issue date, not the time of the download: the file's ID hashes it too.
    pdf.set_creation_date(_local(document.issued_at))

    pdf.add_page()
    _frame(pdf)
    top = 22
    if document.revoked_at:
        _revoked(pdf, labels)
        top = pdf.get_y() + 2

    # The body is centred between the top and the foot; a long name or course title makes
    # it smaller, step by step, rather than run into the foot.
    blocks = _body(labels)
    room = FOOT_TOP - 4 - top
    scale = 1.0
    while True:
        height = sum(pdf.block(block, scale, dry_run=True) for block in blocks)
        if height <= room or scale <= 0.55:
            break
        scale -= 0.05
    pdf.set_y(top + max(room - height, 0) / 2)
    for block in blocks:
        pdf.block(block, scale)

    _foot(pdf, labels, document.verify_url)
    return bytes(pdf.output())
