from functools import lru_cache

from django.conf import settings
from django.urls import reverse

from core.paths import url_scope

# The header's links: the same on every page, so reversed once per URLconf and script prefix,
# not on every page (each reverse() costs more than the rest of its link).
NAV_VIEWS = {
    "home": "courses:home",
    "catalog": "courses:catalog",
    "my_learning": "progress:my_learning",
    "teach": "teach:course_list",
    "admin": "admin:index",
    "notifications": "notifications:list",
    "profile": "accounts:profile",
    "login": "account_login",
    "signup": "account_signup",
    "logout": "account_logout",
}


@lru_cache(maxsize=16)  # keyed by paths.url_scope()
def _nav_urls(urlconf, script_prefix) -> dict[str, str]:
    return {key: reverse(viewname, urlconf=urlconf) for key, viewname in NAV_VIEWS.items()}


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_CURRENCY": settings.SITE_CURRENCY,
        "nav_urls": _nav_urls(*url_scope()),
    }
