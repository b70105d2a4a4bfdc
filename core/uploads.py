"""Content-based validators for uploaded files.

Each validator checks the extension (local storage serves files with a Content-Type taken
from it) and the bytes (magic numbers via ``filetype``, Pillow for images), so nothing
that a browser could render as HTML, SVG or script is ever accepted.
"""

import codecs
import os
import re

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

IMAGE_MIMES = {"image/jpeg", "image/png", "image/apng", "image/webp", "image/gif"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
PILLOW_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

VIDEO_MIMES = {"video/mp4", "video/webm", "video/quicktime"}
VIDEO_EXTENSIONS = {".mp4", ".webm", ".ogv", ".ogg", ".mov"}

_ZIP = {"application/zip"}
# Extension -> detected types its content may have. Office files are zips; filetype only
# names them when the zip's first entry gives them away, so a plain zip match is enough.
ATTACHMENT_TYPES = {
    ".pdf": {"application/pdf"},
    ".zip": _ZIP,
    ".docx": _ZIP | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    ".xlsx": _ZIP | {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    ".pptx": _ZIP | {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    ".odt": _ZIP | {"application/vnd.oasis.opendocument.text"},
    ".ods": _ZIP | {"application/vnd.oasis.opendocument.spreadsheet"},
    ".odp": _ZIP | {"application/vnd.oasis.opendocument.presentation"},
}
TEXT_EXTENSIONS = {".txt", ".md", ".markdown"}

# Starts that make browsers sniff a body as HTML/XML (WHATWG MIME sniffing, plus <svg).
_MARKUP_START = re.compile(
    rb"^\s*(<!doctype\s+html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a[\s>]"
    rb"|<style|<title|<b[\s>]|<body|<br|<p[\s>]|<!--|<\?xml|<svg)",
    re.IGNORECASE,
)
_SNIFF_BYTES = 8192


def _limit_bytes(setting, default_mb):
    return int(getattr(settings, setting, default_mb) * 1024 * 1024)


def _read_head(file):
    """Return the first bytes of the file, leaving its position unchanged."""
    pos = file.tell()
    file.seek(0)
    head = file.read(_SNIFF_BYTES)
    file.seek(pos)
    return head


def _prepare(file, setting, default_mb):
    """Common checks; returns (lower-case extension, head bytes), or None to skip."""
    # A FieldFile that is already committed was validated when it was uploaded; reading it
    # again on every model clean would fetch it back from storage.
    if getattr(file, "_committed", False):
        return None
    limit = _limit_bytes(setting, default_mb)
    if file.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The maximum is %(limit)s."),
            code="file_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    head = _read_head(file)
    if _MARKUP_START.match(head.lstrip(b"\xef\xbb\xbf")):
        raise ValidationError(_("HTML, SVG and XML files are not allowed."), code="markup")
    return os.path.splitext(file.name or "")[1].lower(), head


def _check_image(file, head):
    if filetype.guess_mime(head) not in IMAGE_MIMES:
        raise ValidationError(
            _("Upload a valid image: JPEG, PNG, WebP or GIF."), code="invalid_image"
        )
    pos = file.tell()
    try:
        file.seek(0)
        with Image.open(file) as image:
            # Decoding a huge canvas can exhaust memory; Pillow only warns below 2x the cap.
            too_big = image.width * image.height > (Image.MAX_IMAGE_PIXELS or float("inf"))
            fmt = image.format
            image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(_("The image has too many pixels."), code="image_too_large") from exc
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise ValidationError(
            _("The image file is damaged or not a real image."), code="invalid_image"
        ) from exc
    finally:
        file.seek(pos)
    if fmt not in PILLOW_FORMATS:
        raise ValidationError(
            _("Upload a valid image: JPEG, PNG, WebP or GIF."), code="invalid_image"
        )
    if too_big:
        raise ValidationError(_("The image has too many pixels."), code="image_too_large")


def _is_ogg_video(head):
    # filetype calls every Ogg file audio; the first page names a Theora stream for video.
    return head.startswith(b"OggS") and b"\x80theora" in head


def validate_image_upload(file):
    """Allow JPEG, PNG, WebP and GIF images up to UPLOAD_MAX_IMAGE_MB."""
    prepared = _prepare(file, "UPLOAD_MAX_IMAGE_MB", 5)
    if prepared is None:
        return
    ext, head = prepared
    if ext not in IMAGE_EXTENSIONS:
        raise ValidationError(
            _("Upload a valid image: JPEG, PNG, WebP or GIF."), code="invalid_extension"
        )
    _check_image(file, head)


def validate_video_upload(file):
    """Allow MP4, WebM, Ogg (Theora) and QuickTime videos up to UPLOAD_MAX_VIDEO_MB."""
    prepared = _prepare(file, "UPLOAD_MAX_VIDEO_MB", 500)
    if prepared is None:
        return
    ext, head = prepared
    if ext not in VIDEO_EXTENSIONS or not (
        filetype.guess_mime(head) in VIDEO_MIMES or _is_ogg_video(head)
    ):
        raise ValidationError(
            _("Upload a valid video: MP4, WebM, Ogg or MOV."), code="invalid_video"
        )


_EMBEDDED_MARKUP = re.compile(rb"<\s*(svg|script|html|iframe)[\s>/]", re.IGNORECASE)


def _check_text(file):
    """The whole file, not only its head: UTF-8, no NUL byte, and no SVG or script inside.

    Text has no magic number, so this is what keeps a binary or a markup file from hiding
    behind .txt or .md (a browser or a Markdown viewer may render what it finds inside).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    pos, tail = file.tell(), b""
    try:
        file.seek(0)
        for chunk in iter(lambda: file.read(64 * 1024), b""):
            if b"\x00" in chunk:
                raise ValidationError(
                    _("A text attachment must not contain NUL bytes."), code="nul_byte"
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise ValidationError(
                    _("A text attachment must be UTF-8 text."), code="invalid_attachment"
                ) from exc
            # The tail of the last chunk, so a tag cut between two chunks is still seen.
            if _EMBEDDED_MARKUP.search(tail + chunk):
                raise ValidationError(
                    _("A text attachment must not contain SVG, HTML or script."), code="markup"
                )
            tail = chunk[-16:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("A text attachment must be UTF-8 text."), code="invalid_attachment"
            ) from exc
    finally:
        file.seek(pos)


def validate_attachment_upload(file):
    """Allow PDF, ZIP, office documents, plain text/Markdown and images."""
    prepared = _prepare(file, "UPLOAD_MAX_ATTACHMENT_MB", 50)
    if prepared is None:
        return
    ext, head = prepared
    if ext in IMAGE_EXTENSIONS:
        _check_image(file, head)
    elif ext in TEXT_EXTENSIONS:
        _check_text(file)
    elif filetype.guess_mime(head) not in ATTACHMENT_TYPES.get(ext, ()):
        raise ValidationError(
            _(
                "Upload a PDF, ZIP, Word/Excel/PowerPoint/OpenDocument file, text, "
                "Markdown or an image, with a matching file extension."
            ),
            code="invalid_attachment",
        )
