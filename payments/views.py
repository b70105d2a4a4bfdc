import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Course
from payments import selectors, services
from payments.forms import CancelledOrderForm, CheckoutSessionForm
from payments.models import Order, StripeEvent

logger = logging.getLogger(__name__)


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


@require_POST
@login_required
def enroll(request, slug):
    course = get_object_or_404(Course.objects.published(), slug=slug)
    try:
        result = services.checkout_start(student=request.user, course=course)
    except ValidationError as error:  # unpublished since the page was read
        messages.error(request, " ".join(error.messages))
        return HttpResponseSeeOther(reverse("courses:catalog"))
    match result.outcome:
        case services.CheckoutOutcome.ALREADY_ENROLLED:
            messages.info(request, _("You are already enrolled in this course."))
        case services.CheckoutOutcome.ENROLLED_FREE:
            messages.success(request, _("You are enrolled. Enjoy the course!"))
        case services.CheckoutOutcome.PAYMENT_PROCESSING:
            messages.info(
                request,
                _(
                    "Your payment for this course is on its way from your bank. You will be "
                    "told when it is confirmed or fails."
                ),
            )
        case services.CheckoutOutcome.FAILED:
            messages.error(
                request,
                _(
                    "We could not start the payment, and you have not been charged. "
                    "Please try again in a few minutes."
                ),
            )
    return HttpResponseSeeOther(result.redirect_url)


@require_GET
@login_required
def checkout_success(request):
    form = CheckoutSessionForm(request.GET)
    if not form.is_valid():
        return render(request, "payments/checkout_invalid.html", status=400)
    try:
        order = services.checkout_session_confirm(
            student=request.user, session_id=form.cleaned_data["session_id"]
        )
    except Order.DoesNotExist:
        raise Http404 from None
    return render(request, "payments/checkout_success.html", {"order": order})


@require_GET
@login_required
def checkout_cancel(request):
    form = CancelledOrderForm(request.GET)
    order = None
    if form.is_valid() and form.cleaned_data["order"]:
        order = selectors.order_for_student(
            student=request.user, order_id=form.cleaned_data["order"]
        )
    return render(request, "payments/checkout_cancel.html", {"order": order})


@require_POST
@login_required
def order_cancel(request, order_id):
    try:
        outcome = services.order_cancel(student=request.user, order_id=order_id)
    except Order.DoesNotExist:
        raise Http404 from None
    match outcome:
        case services.CancelOutcome.CANCELLED:
            messages.info(request, _("Your order was cancelled. You have not been charged."))
        case services.CancelOutcome.NOT_PENDING:
            messages.info(
                request, _("This order is no longer open, so there was nothing to cancel.")
            )
        case services.CancelOutcome.IN_FLIGHT:
            messages.info(
                request,
                _(
                    "Your payment is already on its way from your bank, so the order can no "
                    "longer be cancelled. You will be told when it is confirmed or fails."
                ),
            )
        case services.CancelOutcome.UNAVAILABLE:
            messages.error(
                request,
                _("We could not reach the payment provider to cancel. Please try again later."),
            )
    return HttpResponseSeeOther(reverse("payments:orders"))


@require_GET
@login_required
def order_list(request):
    # Orders whose checkout can no longer be paid are shown as what they are: expired.
    services.orders_expire_stale(student=request.user)
    page = Paginator(selectors.orders_for_student(student=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "payments/order_list.html", {"page_obj": page})


@require_http_methods(["GET", "POST"])
@login_required
def dev_checkout(request, order_id):
    if not services.dev_checkout_active():
        raise Http404
    order = selectors.order_for_student(student=request.user, order_id=order_id)
    if order is None:
        raise Http404
    if request.method == "POST":
        order = services.dev_checkout_pay(student=request.user, order_id=order.pk)
        if order.status == Order.Status.PAID:
            messages.success(request, _("Test payment complete. Enjoy the course!"))
            return HttpResponseSeeOther(order.course.get_learn_url())
        messages.error(
            request,
            _("This order cannot be paid: %(status)s.") % {"status": order.get_status_display()},
        )
        return redirect("payments:orders")
    return render(request, "payments/dev_checkout.html", {"order": order})


def _signed_payload(request) -> str | None:
    """The body, if Stripe signed it; None for anything else (nothing is stored for it)."""
    try:
        payload = request.body.decode()
        stripe.WebhookSignature.verify_header(
            payload,
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,  # refuse replays of old events
        )
    except (stripe.SignatureVerificationError, ValueError, TypeError, AttributeError) as exc:
        logger.warning("Refused a webhook call: %s", exc)
        return None
    return payload


# What the event table can hold: longer ids or types are not Stripe's.
MAX_EVENT_ID, MAX_EVENT_TYPE = 255, 100


def _event_of(payload: str) -> dict | None:
    """The event in a signed body, parsed once as a plain dict; None if it is not one."""
    if "\x00" in payload or "\\u0000" in payload:
        return None  # PostgreSQL stores no NUL in text, and no Stripe event carries one
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: nesting too deep to parse
        return None
    if not isinstance(event, dict):
        return None
    try:
        # A lone surrogate ("\\ud800") parses, but no database stores it; Stripe sends none.
        json.dumps(event, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return None
    data = event.get("data")
    if not (
        isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= MAX_EVENT_ID
        and isinstance(event.get("type"), str)
        and 0 < len(event["type"]) <= MAX_EVENT_TYPE
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    ):
        return None
    return event


@csrf_exempt
@require_POST
def stripe_webhook(request):
    payload = _signed_payload(request)
    if payload is None:
        return HttpResponse(status=400)
    event = _event_of(payload)
    if event is None:
        services.stripe_event_malformed(payload=payload)
        return HttpResponse(StripeEvent.Outcome.MALFORMED, status=400)
    try:
        outcome = services.stripe_event_process(event=event)
    except RecursionError:  # parsed, but too deep to store or walk
        services.stripe_event_malformed(payload=payload)
        return HttpResponse(StripeEvent.Outcome.MALFORMED, status=400)
    except Exception:
        # Everything rolled back; a 5xx makes Stripe deliver the event again later.
        logger.exception("Stripe event %s (%s) failed", event["id"], event["type"])
        return HttpResponse(status=500)
    # Stripe shows the body in its dashboard's delivery log.
    status = 400 if outcome == StripeEvent.Outcome.MALFORMED else 200
    return HttpResponse(outcome, content_type="text/plain", status=status)
