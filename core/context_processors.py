from django.conf import settings
from django.urls import reverse

# The header's links, by the name templates use.
NAV_VIEWS = {
    "home": "courses:home",
    "catalog": "courses:catalog",
    "my_learning": "progress:my_learning",
    "teach": "teach:course_list",
    "admin": "admin:index",
    "notifications": "notifications:list",
    "preferences": "notifications:preferences",
    "profile": "accounts:profile",
    "purchases": "payments:orders",
    "certificates": "certificates:mine",
    "two_factor": "mfa_index",
    "login": "account_login",
    "signup": "account_signup",
    "logout": "account_logout",
}


class NavUrls:
    """The header's links, each reversed only if the page shows it (a visitor sees the log
    in link, a student the learning links): reverse() costs more than the rest of a link."""

    def __getattr__(self, name: str) -> str:
        if name not in NAV_VIEWS:
            raise AttributeError(name)
        url = reverse(NAV_VIEWS[name])
        setattr(self, name, url)  # once per page
        return url


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_CURRENCY": settings.SITE_CURRENCY,
        "nav_urls": NavUrls(),
    }
