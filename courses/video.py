"""YouTube and Vimeo links: parsed once into (provider, id), rendered as privacy-friendly embeds."""

import re
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class VideoProvider(models.TextChoices):
    YOUTUBE = "youtube", "YouTube"
    VIMEO = "vimeo", "Vimeo"


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
_YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def parse_video_url(url: str) -> tuple[str, str]:
    """Return (provider, video_id) for a YouTube or Vimeo URL, or raise ValidationError."""
    invalid = ValidationError(_("Enter a YouTube or Vimeo video link."), code="invalid_video_url")
    if not url or len(url) > 500:
        raise invalid
    parsed = urlparse(url.strip())
    if parsed.scheme not in {"http", "https"}:
        raise invalid
    host = (parsed.hostname or "").lower()
    parts = [p for p in parsed.path.split("/") if p]
    candidate = ""
    if host == "youtu.be" and parts:
        candidate = parts[0]
    elif host in _YOUTUBE_HOSTS:
        if parsed.path == "/watch":
            candidate = parse_qs(parsed.query).get("v", [""])[0]
        elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
            candidate = parts[1]
    if candidate:
        if _YOUTUBE_ID.match(candidate):
            return VideoProvider.YOUTUBE, candidate
        raise invalid
    if host in _VIMEO_HOSTS and parts:
        candidate = (
            parts[-1] if host != "player.vimeo.com" else (parts[1] if len(parts) > 1 else "")
        )
        if _VIMEO_ID.match(candidate):
            return VideoProvider.VIMEO, candidate
    raise invalid


def embed_url(provider: str, video_id: str) -> str:
    if provider == VideoProvider.YOUTUBE and _YOUTUBE_ID.match(video_id or ""):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if provider == VideoProvider.VIMEO and _VIMEO_ID.match(video_id or ""):
        return f"https://player.vimeo.com/video/{video_id}"
    return ""
