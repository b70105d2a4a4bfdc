from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Warning, register


@register()
def per_user_caches_need_a_shared_cache(app_configs, **kwargs):
    """PER_USER_CACHES with a cache per process would let a change in one process go unseen."""
    if settings.PER_USER_CACHES and isinstance(caches["default"], LocMemCache):
        return [
            Warning(
                "PER_USER_CACHES is on, but the default cache is each process's own memory: "
                "a password changed or access revoked in another process would go unseen "
                "until the cached entry expired.",
                hint="Set REDIS_URL, or PER_USER_CACHES=False.",
                id="accounts.W001",
            )
        ]
    return []
