"""Shared data for the instructor workspace tests."""

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def lecture_data(module, **overrides):
    """A valid POST body for the lecture form."""
    data = {
        "module": module.pk,
        "title": "New lecture",
        "kind": "text",
        "body": "# Hello",
        "video_url": "",
        "duration_minutes": 5,
        "duration_seconds": 30,
        "is_published": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def orders(queryset):
    return list(queryset.order_by("order").values_list("order", flat=True))
