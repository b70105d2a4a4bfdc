from courses.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    RENDERER_FINGERPRINT,
    render_markdown,
    renderer_fingerprint,
)


def test_markdown_renders_common_formatting():
    html = render_markdown("# Title\n\nSome **bold** and `code`.\n\n- one\n- two")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html


def test_markdown_strips_scripts_handlers_and_javascript_links():
    html = render_markdown(
        "<script>alert(1)</script>\n\n"
        '<img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(1))"
    )
    # Raw HTML shows as text, never as markup; a javascript: link never becomes a link.
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert "href=" not in html


def test_markdown_links_get_safe_rel():
    html = render_markdown("[docs](https://example.com)")
    assert 'href="https://example.com"' in html
    assert "noopener" in html


def test_the_renderer_fingerprint_changes_with_any_allow_list():
    # Cached lecture bodies are keyed by it: a tightened sanitiser must not serve old HTML.
    current = (ALLOWED_TAGS, ALLOWED_ATTRIBUTES, ALLOWED_URL_SCHEMES)
    assert renderer_fingerprint(*current) == RENDERER_FINGERPRINT
    assert (
        renderer_fingerprint(
            set(ALLOWED_TAGS), dict(ALLOWED_ATTRIBUTES), ["mailto", "https", "http"]
        )
        == RENDERER_FINGERPRINT
    )
    assert renderer_fingerprint(ALLOWED_TAGS - {"img"}, *current[1:]) != RENDERER_FINGERPRINT
    narrower = {**ALLOWED_ATTRIBUTES, "a": {"href"}}
    assert renderer_fingerprint(ALLOWED_TAGS, narrower, ALLOWED_URL_SCHEMES) != RENDERER_FINGERPRINT
    assert renderer_fingerprint(ALLOWED_TAGS, ALLOWED_ATTRIBUTES, {"https"}) != RENDERER_FINGERPRINT
