from django.conf import settings


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
