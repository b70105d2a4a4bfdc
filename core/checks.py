from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Warning, register


@register(deploy=True)
def several_processes_need_a_shared_cache(app_configs, **kwargs):
    """A cache per process would let a change made in one process go unseen in the others."""
    if isinstance(caches["default"], LocMemCache):
        return [
            Warning(
                "The cache is each process's own memory: a password changed or access "
                "revoked in one server process would go unseen in another until the cached "
                "entry expired.",
                hint="Set REDIS_URL, or serve from one process only.",
                id="core.W001",
            )
        ]
    return []
