import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_epoch_token() -> str:
    return secrets.token_hex(6)


class CacheEpoch(models.Model):
    """The cache generation that every shared cache key starts with (see core.redis_cache).

    Kept in the database, not in Redis, so that it survives what the cache may lose: a
    process that could not deliver an invalidation to Redis gives it a new value, and every
    entry filed before becomes unreachable at once. One row.
    """

    token = models.CharField(_("token"), max_length=32, default=new_epoch_token)
    renewed_at = models.DateTimeField(_("renewed at"), auto_now=True)

    class Meta:
        verbose_name = _("cache epoch")
        verbose_name_plural = _("cache epochs")

    def __str__(self) -> str:
        return self.token


class JobRun(models.Model):
    """One run of a scheduled job in one period (see core.jobs): the unique pair is the lock
    that lets several hosts run the scheduler while each job runs once per period."""

    job = models.CharField(_("job"), max_length=100)
    period = models.CharField(_("period"), max_length=40)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="jobrun_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
