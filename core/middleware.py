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
        if "\x00" in request.path or _has_nul(request.GET):
            return _bad_request()
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Forms only, and only where Django reads them anyway (CSRF): a view that reads its
        # own body (the signed webhook) must still find it unread, and checks it itself.
        if getattr(view_func, "csrf_exempt", False) or request.method != "POST":
            return None
        if request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ) and _has_nul(request.POST):
            return _bad_request()
        return None


def _bad_request():
    return HttpResponseBadRequest(_("Bad request: the request contains a NUL byte."))


def _has_nul(params: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in params.lists()
    )
