"""Sessions read from the shared cache and written through to the database.

Django's cached_db store, except that a session read from the database is filed in the
cache as a fill (see core.redis_cache.ResilientRedisCache.fill_many): with Redis down, a
logged-in request reads its session from the database and losing the copy costs nothing.
Saves and deletes stay plain writes, so a logout or a new session key that does not reach
Redis renews the cache epoch and the old session is never read from the cache again.

A new key goes to the database only. Were its first value (a login's new key starts with
what the session held before) cached, a save that follows it (the login) and fails to reach
Redis would leave that value readable to other processes until they read the renewed epoch
(up to EPOCH_TTL): the user would look logged out. With nothing cached under the key, they
read the database.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore


class SessionStore(CachedDBStore):
    def load(self):
        data = self._cache.get(self.cache_key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        timeout = self.get_expiry_age(expiry=stored.expire_date)
        fill_many = getattr(self._cache, "fill_many", self._cache.set_many)
        fill_many({self.cache_key: data}, timeout)
        return data

    def save(self, must_create=False):
        if must_create:
            return super(CachedDBStore, self).save(must_create=True)
        return super().save()

    async def asave(self, must_create=False):
        if must_create:
            return await super(CachedDBStore, self).asave(must_create=True)
        return await super().asave()
