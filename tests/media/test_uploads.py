import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from core.uploads import (
    validate_attachment_upload,
    validate_image_upload,
    validate_video_upload,
)

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
OGV = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x2a\x80theora\x03\x02\x01" + b"\x00" * 32
OGG_AUDIO = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1e\x01vorbis\x00\x00" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 128
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


def upload(name, data):
    return SimpleUploadedFile(name, data)


def image_bytes(fmt):
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, fmt)
    return buf.getvalue()


def zip_bytes(*names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for entry in names:
            archive.writestr(entry, "<x/>")
    return buf.getvalue()


def rejected(validator, file):
    with pytest.raises(ValidationError) as info:
        validator(file)
    return info.value


@pytest.mark.parametrize(
    ("name", "fmt"), [("a.png", "PNG"), ("a.jpg", "JPEG"), ("a.webp", "WEBP"), ("a.gif", "GIF")]
)
def test_real_images_are_accepted(name, fmt):
    validate_image_upload(upload(name, image_bytes(fmt)))
    validate_attachment_upload(upload(name, image_bytes(fmt)))


@pytest.mark.parametrize(("name", "data"), [("v.mp4", MP4), ("v.mov", MOV), ("v.ogv", OGV)])
def test_real_videos_are_accepted(name, data):
    validate_video_upload(upload(name, data))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.pdf", PDF),
        ("slides.zip", zip_bytes("a.txt")),
        ("report.docx", zip_bytes("[Content_Types].xml", "word/document.xml")),
        ("sheet.xlsx", zip_bytes("docProps/app.xml")),  # only the zip magic is recognisable
        ("readme.md", "# Notes\n\nÜbung – résumé\n".encode()),
        ("notes.txt", b"plain text"),
    ],
)
def test_attachments_are_accepted(name, data):
    validate_attachment_upload(upload(name, data))


def test_png_that_is_really_html_is_rejected():
    assert rejected(validate_image_upload, upload("cat.png", HTML)).code == "markup"
    assert rejected(validate_attachment_upload, upload("cat.png", HTML)).code == "markup"


@pytest.mark.parametrize("name", ["logo.svg", "logo.png"])
def test_svg_is_rejected(name):
    rejected(validate_image_upload, upload(name, SVG))
    rejected(validate_attachment_upload, upload(name, SVG))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("page.html", HTML),
        ("page.txt", b"  <html><body>hi</body></html>"),
        ("setup.exe", EXE),
        ("setup.pdf", EXE),
        ("setup.txt", EXE),
        ("notes.pdf", b"just text, no magic"),
        ("script.js", b"alert(1)"),
        ("video.mp4", MP4),
    ],
)
def test_bad_attachments_are_rejected(name, data):
    rejected(validate_attachment_upload, upload(name, data))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("v.mp4", image_bytes("PNG")),
        ("v.exe", MP4),
        ("v.ogg", OGG_AUDIO),
        ("v.mp4", EXE),
    ],
)
def test_bad_videos_are_rejected(name, data):
    assert rejected(validate_video_upload, upload(name, data)).code == "invalid_video"


def test_image_with_wrong_content_or_extension_is_rejected():
    rejected(validate_image_upload, upload("cat.png", PDF))
    rejected(validate_image_upload, upload("cat.bmp", image_bytes("BMP")))
    rejected(validate_image_upload, upload("cat.exe", image_bytes("PNG")))
    truncated = image_bytes("PNG")[:40]
    assert rejected(validate_image_upload, upload("cat.png", truncated)).code == "invalid_image"


@override_settings(UPLOAD_MAX_IMAGE_MB=0.001, UPLOAD_MAX_ATTACHMENT_MB=0.001)
def test_oversize_files_are_rejected_with_the_limit_in_the_message():
    big = upload("big.pdf", PDF + b"0" * 2048)

    error = rejected(validate_attachment_upload, big)

    assert error.code == "file_too_large"
    assert "1.0\xa0KB" in error.messages[0]
    assert rejected(validate_image_upload, upload("a.bmp", b"0" * 2048)).code == "file_too_large"


@override_settings(UPLOAD_MAX_VIDEO_MB=1)
def test_video_limit_comes_from_settings():
    validate_video_upload(upload("v.mp4", MP4 + b"\x00" * 1000))
    error = rejected(validate_video_upload, upload("v.mp4", MP4 + b"\x00" * 2 * 1024 * 1024))
    assert error.code == "file_too_large"


def test_file_position_is_restored():
    image = upload("a.png", image_bytes("PNG"))
    image.seek(5)

    validate_image_upload(image)

    assert image.tell() == 5
    video = upload("v.mp4", MP4)
    validate_video_upload(video)
    assert video.tell() == 0


def test_decompression_bomb_is_rejected(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # a Pillow setting, not our code

    error = rejected(validate_image_upload, upload("a.png", image_bytes("PNG")))  # 256 px

    assert error.code == "image_too_large"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("notes.md", b"# Notes\n\n" + SVG, "markup"),
        ("notes.txt", b"see below\n" + SVG, "markup"),
        ("notes.md", b"text\n<script>alert(1)</script>", "markup"),
        ("notes.txt", SVG, "markup"),  # at the start: refused before the text checks
        ("notes.md", b"a" * 65_534 + b"<svg onload=x>", "markup"),  # cut between chunks
        ("notes.txt", b"hello\x00world", "nul_byte"),
        ("notes.txt", b"a" * 9000 + b"\x00", "nul_byte"),  # beyond the sniffed head
        ("notes.txt", b"a" * 70_000 + b"\xff\xfe", "invalid_attachment"),
        ("notes.txt", "caf\u00e9".encode()[:-1], "invalid_attachment"),  # cut character
    ],
)
def test_text_attachments_are_refused_for_the_right_reason(name, data, code):
    error = rejected(validate_attachment_upload, upload(name, data))

    assert error.code == code


def test_text_that_only_mentions_markup_in_words_is_accepted():
    validate_attachment_upload(
        upload("notes.md", b"Use an svg image, and <b>bold</b> text is fine.\n" * 2000)
    )
