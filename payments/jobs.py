from datetime import timedelta

from core.jobs import job
from payments import services


@job(every=timedelta(hours=1), offset=timedelta(minutes=20))
def expire_stale_orders(*, now):
    """Pending orders nobody paid within their lifetime end as expired, so My purchases and
    the admin show what they are even when Stripe's own "expired" event never came (the test
    checkout has none)."""
    return services.orders_expire_stale(now=now)
