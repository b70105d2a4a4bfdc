"""Demo course thumbnails: a PNG per course, drawn from its title in its category's colours.

PNG, not SVG: thumbnails are uploads, and the upload rules (core.uploads) refuse SVG on
purpose. The colours are those of the static covers (static/img/covers/cover-<n>.svg) and
the category tiles, chosen by `Category.accent`.
"""

import io
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from core.uploads import validate_image_upload
from courses.models import Course

SIZE = (640, 360)
# (from, to) per accent: the same pairs as the static covers.
PALETTES = [
    ("#2f4fd8", "#7b5cff"),
    ("#0f766e", "#22c55e"),
    ("#b34700", "#f59e0b"),
    ("#9d174d", "#f43f5e"),
    ("#1e3a8a", "#0ea5e9"),
    ("#5b21b6", "#d946ef"),
]
_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def _font(size: int, *, bold: bool) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in _FONT_DIRS:
        if (directory / name).exists():
            return ImageFont.truetype(str(directory / name), size)
    return ImageFont.load_default(size=size)  # Pillow's own font, when DejaVu is absent


def _gradient(start: str, end: str) -> Image.Image:
    """A diagonal gradient from the top left (`start`) to the bottom right (`end`)."""
    # Pillow's ramp runs from black at the top to white at the bottom.
    across = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(SIZE)
    down = Image.linear_gradient("L").resize(SIZE)
    mask = Image.blend(across, down, 0.5)
    return Image.composite(Image.new("RGB", SIZE, end), Image.new("RGB", SIZE, start), mask)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;:") + "…"
    return lines


def thumbnail_png(*, title: str, category: str, accent: int) -> bytes:
    """A 640×360 PNG: the category's gradient, soft circles, the category and the title."""
    start, end = PALETTES[accent % len(PALETTES)]
    image = _gradient(start, end).convert("RGBA")
    overlay = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    shapes.rectangle((0, 0, SIZE[0], SIZE[1]), fill=(0, 0, 0, 40))  # white text stays legible
    shapes.ellipse((440, -120, 760, 200), fill=(255, 255, 255, 36))
    shapes.ellipse((-90, 250, 150, 490), fill=(255, 255, 255, 28))
    image = Image.alpha_composite(image, overlay)

    draw = ImageDraw.Draw(image)
    margin = 40
    label = _font(22, bold=True)
    draw.text((margin, margin), category.upper(), font=label, fill=(255, 255, 255, 220))
    heading = _font(46, bold=True)
    lines = _wrap(draw, title, heading, SIZE[0] - 2 * margin, 3)
    line_height = 56
    top = SIZE[1] - margin - line_height * len(lines)
    for number, line in enumerate(lines):
        draw.text((margin, top + number * line_height), line, font=heading, fill="white")

    output = io.BytesIO()
    image.convert("RGB").save(output, format="PNG", optimize=True)
    return output.getvalue()


def course_thumbnail_add(course: Course) -> bool:
    """Give `course` a generated thumbnail if it has none; True when one was added.

    A thumbnail already there (uploaded by an admin or an instructor) is never replaced.
    """
    if course.thumbnail:
        return False
    content = ContentFile(
        thumbnail_png(
            title=course.title, category=course.category.name, accent=course.category.accent
        ),
        name=f"{course.slug}.png",
    )
    validate_image_upload(content)  # the rules every uploaded thumbnail meets
    course.thumbnail.save(content.name, content, save=False)
    Course.objects.filter(pk=course.pk, thumbnail="").update(thumbnail=course.thumbnail.name)
    return True
