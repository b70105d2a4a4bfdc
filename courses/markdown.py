"""Lecture Markdown to safe HTML: one renderer for the player and the instructor preview."""

from hashlib import sha256
from importlib.metadata import version

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Raw HTML in the source is not rendered; the allow-list below cleans what Markdown makes.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def renderer_fingerprint(tags, attributes, url_schemes) -> str:
    """Names what render_markdown() makes of a text with these allow-lists.

    It also changes with the libraries' versions, so HTML cached under it (the player's
    lecture bodies) is made again after a sanitiser fix instead of being served until its
    entry expires.
    """
    settings = (
        sorted(tags),
        sorted((tag, sorted(names)) for tag, names in attributes.items()),
        sorted(url_schemes),
        version("markdown-it-py"),
        version("nh3"),
    )
    return sha256(repr(settings).encode()).hexdigest()[:12]


RENDERER_FINGERPRINT = renderer_fingerprint(ALLOWED_TAGS, ALLOWED_ATTRIBUTES, ALLOWED_URL_SCHEMES)


def render_markdown(text: str) -> SafeString:
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 has just sanitised the HTML against the allow-list above.
    return mark_safe(cleaned)  # noqa: S308  # nosec B308 B703
