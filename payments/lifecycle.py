"""An order's life, as one table: for each status and event, the next status and what happens.

Every change of `Order.status` goes through `payments.services.order_apply`, which looks
the pair up here; a pair not in the table changes nothing (a late or repeated event). Stripe
does not promise the order of its events, so the table is written to end in the same state
whichever way two events arrive: a full refund before or after the payment ends `refunded`
without access, a partial refund before or after it ends `paid` with access.

docs/payments.md shows this table; a test keeps the two the same.
"""

from dataclasses import dataclass
from enum import StrEnum

from payments.models import Order

Status = Order.Status


class Event(StrEnum):
    CHECKOUT_FAILED = "checkout_failed"  # Stripe could not open a session for the order
    PAID = "paid"  # the order's own session is paid, for the order's amount and currency
    PAID_MISMATCHED = "paid_mismatched"  # a paid session that does not match the order
    # The order's own session completed with a delayed method (bank debit): money on its way.
    PAYMENT_PROCESSING = "payment_processing"
    PAYMENT_FAILED = "payment_failed"  # a delayed payment method (bank debit) failed
    SESSION_EXPIRED = "session_expired"  # Stripe's session expired, or the order went stale
    CANCELLED = "cancelled"  # the student cancelled the checkout
    REFUNDED_FULL = "refunded_full"
    REFUNDED_PARTIAL = "refunded_partial"
    REVIEW_ACCEPTED = "review_accepted"  # an admin found a flagged payment right


class Effect(StrEnum):
    RECORD_PAYMENT = "record the payment"
    RECORD_PAYMENT_ON_ITS_WAY = "record the payment on its way"
    RECORD_REFUND = "record the refund"
    ENROLL = "enroll (notifies the student)"
    REVOKE = "end access (unless another paid order keeps it)"
    FLAG = "flag for an admin"
    NOTIFY_FAILED = "notify: payment failed"
    NOTIFY_REFUNDED = "notify: refunded"
    # Transactional emails, whatever the student's notification settings; each queued once
    # by its key, so a step that runs again sends nothing more.
    EMAIL_RECEIPT = "email: receipt"
    EMAIL_REFUND = "email: refund"


@dataclass(frozen=True)
class Step:
    to: str
    effects: tuple[Effect, ...] = ()


_PAY = Step(Status.PAID, (Effect.RECORD_PAYMENT, Effect.ENROLL, Effect.EMAIL_RECEIPT))
_FLAG = Step(Status.NEEDS_REVIEW, (Effect.RECORD_PAYMENT, Effect.FLAG))
_REFUND_UNPAID = Step(
    Status.REFUNDED, (Effect.RECORD_REFUND, Effect.NOTIFY_REFUNDED, Effect.EMAIL_REFUND)
)
_REFUND_ACCESS = Step(
    Status.REFUNDED,
    (Effect.RECORD_REFUND, Effect.REVOKE, Effect.NOTIFY_REFUNDED, Effect.EMAIL_REFUND),
)


def _refund_partial(status: str) -> Step:
    return Step(status, (Effect.RECORD_REFUND, Effect.EMAIL_REFUND))


def _unpaid(status: str) -> dict:
    """An order Stripe has taken no money for yet: its payment may still arrive."""
    return {
        (status, Event.PAID): _PAY,
        (status, Event.PAID_MISMATCHED): _FLAG,
        # Before the payment: recorded, and a later payment then keeps access (partial)
        # or never gives it (full), as if the refund had come second.
        (status, Event.REFUNDED_FULL): _REFUND_UNPAID,
        (status, Event.REFUNDED_PARTIAL): _refund_partial(status),
    }


_PROCESSING = Step(Status.PENDING, (Effect.RECORD_PAYMENT_ON_ITS_WAY,))

TRANSITIONS: dict[tuple[str, Event], Step] = {
    **_unpaid(Status.PENDING),
    (Status.PENDING, Event.PAYMENT_PROCESSING): _PROCESSING,
    (Status.PENDING, Event.CHECKOUT_FAILED): Step(Status.FAILED),
    (Status.PENDING, Event.PAYMENT_FAILED): Step(Status.FAILED, (Effect.NOTIFY_FAILED,)),
    (Status.PENDING, Event.SESSION_EXPIRED): Step(Status.EXPIRED),
    (Status.PENDING, Event.CANCELLED): Step(Status.CANCELLED),
    # Stripe's word that the money arrived still counts after a failure, expiry or cancel.
    **_unpaid(Status.FAILED),
    **_unpaid(Status.EXPIRED),
    # A delayed payment (bank debit) whose completion reached us after the order went stale:
    # pending again, so it shows as processing and is not expired again until Stripe ends it.
    (Status.EXPIRED, Event.PAYMENT_PROCESSING): _PROCESSING,
    (Status.EXPIRED, Event.PAYMENT_FAILED): Step(Status.FAILED, (Effect.NOTIFY_FAILED,)),
    **_unpaid(Status.CANCELLED),
    (Status.PAID, Event.REFUNDED_FULL): _REFUND_ACCESS,
    (Status.PAID, Event.REFUNDED_PARTIAL): _refund_partial(Status.PAID),
    # The order's own payment, after another session was flagged: it pays for the order.
    (Status.NEEDS_REVIEW, Event.PAID): _PAY,
    (Status.NEEDS_REVIEW, Event.REVIEW_ACCEPTED): Step(
        Status.PAID, (Effect.ENROLL, Effect.EMAIL_RECEIPT)
    ),
    (Status.NEEDS_REVIEW, Event.REFUNDED_FULL): _REFUND_ACCESS,
    (Status.NEEDS_REVIEW, Event.REFUNDED_PARTIAL): _refund_partial(Status.NEEDS_REVIEW),
    # Refunded is final: a late payment is recorded and gives no access.
    (Status.REFUNDED, Event.PAID): Step(Status.REFUNDED, (Effect.RECORD_PAYMENT,)),
    (Status.REFUNDED, Event.PAID_MISMATCHED): Step(Status.REFUNDED, (Effect.RECORD_PAYMENT,)),
}


def step(status: str, event: Event) -> Step | None:
    """What `event` does to an order in `status`; None: nothing (the event is acknowledged)."""
    return TRANSITIONS.get((status, event))


def as_markdown() -> str:
    """The table as docs/payments.md shows it."""
    lines = ["| status | event | new status | what happens |", "| --- | --- | --- | --- |"]
    for (status, event), target in TRANSITIONS.items():
        effects = ", ".join(effect.value for effect in target.effects) or "nothing"
        lines.append(f"| {status} | {event.value} | {target.to} | {effects} |")
    return "\n".join(lines) + "\n"
