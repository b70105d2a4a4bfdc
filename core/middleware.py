from django.conf import settings
from django.http import HttpResponseBadRequest, QueryDict
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    """Adds the headers Django's SecurityMiddleware does not set (Content-Security-Policy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The admin ships inline scripts and styles; it is staff-only, so it keeps its own rules.
        if settings.CONTENT_SECURITY_POLICY and not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class RejectNulBytesMiddleware:
    """Answers 400 to a NUL byte in the path, the query string or a submitted form.

    No page expects one, and PostgreSQL refuses it in text, so it would otherwise reach the
    database as an error (a 500) from wherever a parameter is used in a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(_form_of(request)):
            return HttpResponseBadRequest(_("Bad request: the request contains a NUL byte."))
        return self.get_response(request)


def _form_of(request):
    # Only forms: other bodies (a signed webhook's JSON) are checked where they are read.
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return request.POST
    return QueryDict()


def _has_nul(params: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in params.lists()
    )
