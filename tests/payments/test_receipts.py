"""Receipts and refund emails: sent once per paid order and per refund, whichever path gets
there first, through a real SMTP server, always (transactional), with the order's facts."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from mail.models import Email
from mail.services import SENT_TO_DEACTIVATED_ACCOUNTS
from notifications.models import Delivery, Notification
from notifications.services import preferences_save
from payments import emails, lifecycle, services
from payments.lifecycle import Effect
from payments.models import Order
from progress.models import Enrollment
from tests.factories import CourseFactory, EnrollmentFactory, StudentFactory
from tests.fakes.stripe_server import build_event
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db

SUCCESS_URL = reverse("payments:success")
ORDERS_URL = "https://edu.example/payments/orders/"  # SITE_URL of the fake_stripe fixture


@pytest.fixture
def order(client, student, paid_course, fake_stripe):
    return start_checkout(client, student, paid_course)


def _pay(client, fake, order, committed) -> Order:
    event = fake.session_completed_event(order.stripe_session_id)
    with committed():
        assert post_event(client, event).content == b"applied"
    order.refresh_from_db()
    return order


def _charge_id(fake, order) -> str:
    order.refresh_from_db()
    return fake.payment_intents[order.stripe_payment_intent_id]["latest_charge"]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _receipts(smtp_server) -> list:
    return [m for m in smtp_server.messages if "receipt" in m["Subject"]]


def _refunds(smtp_server) -> list:
    return [m for m in smtp_server.messages if m["Subject"].startswith(("Refund", "[Test"))]


# -- the receipt ---------------------------------------------------------------------------


def test_the_receipt_shows_the_order_course_amount_date_and_a_link(
    client, order, fake_stripe, student, smtp_server, committed, settings
):
    order = _pay(client, fake_stripe, order, committed)

    (message,) = smtp_server.wait_for(1)  # the receipt, and no other email of the purchase
    assert message["Subject"] == f"Your receipt for Django in Depth (order #{order.pk})"
    assert message["To"] == student.email
    assert message.envelope_to == [student.email]
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["X-Edusphere-Email"] == f"receipt:order:{order.pk}"
    # Transactional: always sent, so nothing to unsubscribe from.
    assert message["List-Unsubscribe"] is None
    paid_on = formats.date_format(timezone.localtime(order.paid_at), "DATE_FORMAT")
    text, html = _text(message), _html(message)
    for part in (text, html):
        assert f"#{order.pk}" in part
        assert "Django in Depth" in part
        assert "49.00 USD" in part
        assert paid_on in part
        assert "This is a service email about your account; it is always sent." in part
        assert "Stop these emails" not in part
        assert "Test payment" not in part and "TEST PAYMENT" not in part
    assert f"Your orders and receipts (My purchases): {ORDERS_URL}" in text
    assert f"Start learning: https://edu.example/learn/{order.course.slug}/" in text
    assert f'href="{ORDERS_URL}"' in html
    assert f'href="https://edu.example/learn/{order.course.slug}/"' in html
    assert f'href="https://edu.example{order.course.get_absolute_url()}"' in html
    email = Email.objects.get(key=f"receipt:order:{order.pk}")
    assert (email.kind, email.recipient, email.status) == ("receipt", student, "sent")
    # The in-site notification of the enrollment stays as it was.
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1


def test_the_receipt_shows_the_amount_as_the_site_shows_prices(
    client, student, fake_stripe, smtp_server, committed
):
    course = CourseFactory(title="Pâtisserie", price=Decimal("19.90"), currency="eur")
    order = start_checkout(client, student, course)

    _pay(client, fake_stripe, order, committed)

    (message,) = smtp_server.wait_for(1)
    price = render_to_string("courses/_price.html", {"course": course}).strip()
    assert price == "19.90 EUR"
    assert f"Amount paid: {price}" in _text(message)
    assert price in _html(message)


def test_a_course_title_is_plain_text_in_the_text_part_and_escaped_in_the_html(
    client, student, fake_stripe, smtp_server, committed
):
    course = CourseFactory(title="Tags & <b>bold</b> moves", price=Decimal("10.00"))
    order = start_checkout(client, student, course)

    _pay(client, fake_stripe, order, committed)

    (message,) = smtp_server.wait_for(1)
    assert "Course: Tags & <b>bold</b> moves" in _text(message)
    assert "Tags &amp; &lt;b&gt;bold&lt;/b&gt; moves" in _html(message)
    assert "<b>bold</b>" not in _html(message)


def test_the_success_page_first_then_the_webhook_send_one_receipt(
    client, order, fake_stripe, student, smtp_server, committed
):
    fake_stripe.complete_session(order.stripe_session_id)
    with committed():
        page = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})
    assert "Thank you for your purchase" in page.content.decode()
    smtp_server.wait_for(1)

    event = fake_stripe.session_completed_event(order.stripe_session_id)
    with committed():
        assert post_event(client, event).content == b"nothing"
    with committed():
        assert post_event(client, event).content == b"duplicate"  # Stripe's replay
    with committed():
        client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})  # a reload

    assert len(smtp_server.messages) == 1
    assert Email.objects.filter(kind="receipt").count() == 1


def test_the_webhook_first_then_the_success_page_and_a_second_event_send_one_receipt(
    client, order, fake_stripe, student, smtp_server, committed
):
    first = fake_stripe.session_completed_event(order.stripe_session_id)
    with committed():
        assert post_event(client, first).content == b"applied"
    second = build_event("checkout.session.completed", first["data"]["object"])

    with committed():
        client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})
        assert post_event(client, second).content == b"nothing"
        assert post_event(client, first).content == b"duplicate"

    assert len(smtp_server.wait_for(1)) == 1
    assert Email.objects.filter(kind="receipt").count() == 1


def test_a_receipt_refused_by_the_mail_server_leaves_the_purchase_and_is_sent_later(
    client, order, fake_stripe, student, smtp_server, committed
):
    smtp_server.refuse_next("451 Try again later")

    order = _pay(client, fake_stripe, order, committed)

    assert order.status == "paid" and Enrollment.objects.get(student=student).is_active
    email = Email.objects.get(kind="receipt")
    assert (email.status, email.attempts) == ("queued", 1)
    assert smtp_server.messages == []
    with committed():
        Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        from mail.services import emails_deliver

        emails_deliver([email.pk])
    (message,) = smtp_server.wait_for(1)
    assert message["X-Edusphere-Email"] == f"receipt:order:{order.pk}"


def test_a_failed_payment_sends_no_receipt(client, order, fake_stripe, smtp_server, committed):
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    with committed():
        post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
        post_event(client, fake_stripe.async_payment_failed_event(order.stripe_session_id))

    assert Order.objects.get(pk=order.pk).status == "failed"
    assert not Email.objects.filter(kind="receipt").exists()
    assert _receipts(smtp_server) == []


def test_a_delayed_payment_gets_its_receipt_once_it_is_paid(
    client, order, fake_stripe, smtp_server, committed
):
    fake_stripe.complete_session(order.stripe_session_id, async_pending=True)
    with committed():
        post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    assert not Email.objects.exists()  # completed, but not paid yet

    with committed():
        post_event(client, fake_stripe.async_payment_succeeded_event(order.stripe_session_id))

    (message,) = smtp_server.wait_for(1)
    assert message["X-Edusphere-Email"] == f"receipt:order:{order.pk}"


def test_a_flagged_payment_sends_its_receipt_only_when_an_admin_accepts_it(
    client, order, fake_stripe, student, smtp_server, committed
):
    session = fake_stripe.complete_session(order.stripe_session_id)
    with committed():
        overpaid = build_event("checkout.session.completed", {**session, "amount_total": 5900})
        post_event(client, overpaid)
    assert Order.objects.get(pk=order.pk).status == "needs_review"
    assert not Email.objects.exists()

    with committed():
        assert services.order_review_accept(order_id=order.pk)

    (message,) = smtp_server.wait_for(1)
    assert message["X-Edusphere-Email"] == f"receipt:order:{order.pk}"
    assert "Amount paid: 59.00 USD" in _text(message)  # what was taken, as recorded


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole write transactions, so the paths never overlap "
    "(the sequential tests above cover both orders)",
)
@pytest.mark.parametrize("round_", range(4))
def test_the_webhook_and_the_success_page_racing_send_exactly_one_receipt(
    fake_stripe, smtp_server, round_
):
    student = StudentFactory()
    order = start_checkout(Client(), student, CourseFactory(price=Decimal("49.00")))
    completed = fake_stripe.session_completed_event(order.stripe_session_id)
    page = Client()
    page.force_login(student)
    barrier = threading.Barrier(3)
    answers = []

    def run(call):
        barrier.wait()
        try:
            answers.append(call().status_code)
        finally:
            connections.close_all()

    calls = [
        lambda: post_event(Client(), completed),
        lambda: page.get(SUCCESS_URL, {"session_id": order.stripe_session_id}),
        lambda: post_event(Client(), build_event(completed["type"], completed["data"]["object"])),
    ]
    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200, 200, 200]
    assert Order.objects.get(pk=order.pk).status == "paid"
    # Each delivery ran in its request's thread once its transaction committed.
    assert len(smtp_server.wait_for(1)) == 1
    assert Email.objects.filter(kind="receipt", status="sent").count() == 1


# -- notification settings ------------------------------------------------------------------


def test_receipts_and_refund_emails_are_sent_whatever_the_notification_settings(
    client, order, fake_stripe, student, smtp_server, committed
):
    preferences_save(
        user=student,
        choices=dict.fromkeys(Notification.Kind.values, Delivery.OFF),
    )
    _pay(client, fake_stripe, order, committed)

    with committed():
        post_event(client, fake_stripe.charge_refunded_event(_charge_id(fake_stripe, order)))

    receipt, refund = smtp_server.wait_for(2)
    assert receipt["X-Edusphere-Email"] == f"receipt:order:{order.pk}"
    assert refund["X-Edusphere-Email"] == f"refund:order:{order.pk}:4900"


def test_a_purchase_and_its_refund_send_one_email_each_when_the_student_wants_emails(
    client, order, fake_stripe, student, smtp_server, committed
):
    """The enrolled and refunded notifications would be emailed at once: the receipt and the
    refund email stand for them, so nothing arrives twice."""
    preferences_save(
        user=student,
        choices={"enrolled": Delivery.IMMEDIATELY, "refunded": Delivery.IMMEDIATELY},
    )
    _pay(client, fake_stripe, order, committed)
    with committed():
        post_event(client, fake_stripe.charge_refunded_event(_charge_id(fake_stripe, order)))

    smtp_server.wait_for(2)
    assert sorted(Email.objects.values_list("kind", flat=True)) == ["receipt", "refund"]
    assert len(smtp_server.messages) == 2
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1
    assert Notification.objects.filter(recipient=student, kind="refunded").count() == 1


def test_a_free_enrollment_is_still_emailed_as_the_student_chose(
    client, student, smtp_server, committed
):
    course = CourseFactory(title="Free Python", price=Decimal("0"))
    preferences_save(user=student, choices={"enrolled": Delivery.IMMEDIATELY})
    client.force_login(student)

    with committed():
        client.post(reverse("course-enroll", kwargs={"slug": course.slug}))

    (message,) = smtp_server.wait_for(1)
    assert "Free Python" in message["Subject"]
    assert not Email.objects.filter(kind__in=["receipt", "refund"]).exists()


# -- the test checkout ----------------------------------------------------------------------


@pytest.fixture
def dev_mode(settings):
    settings.DEBUG, settings.DEV_CHECKOUT_ENABLED, settings.STRIPE_SECRET_KEY = True, True, ""
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: Stripe is not asked
    settings.SITE_URL = "http://127.0.0.1:8000"


def test_a_test_checkout_receipt_says_it_is_a_test_payment(
    client, student, paid_course, dev_mode, smtp_server, committed
):
    order = start_checkout(client, student, paid_course)

    with committed():
        client.post(reverse("payments:dev-checkout", args=[order.pk]))
        client.post(reverse("payments:dev-checkout", args=[order.pk]))  # paid already

    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == (
        f"[Test payment] Your receipt for Django in Depth (order #{order.pk})"
    )
    text = _text(message)
    assert text.startswith("TEST PAYMENT: this order was paid through the test checkout")
    assert "No money was taken." in text
    assert "Test payment</strong>" in _html(message)
    assert "Amount paid: 49.00 USD" in text
    assert "http://127.0.0.1:8000/payments/orders/" in text


def test_a_test_refund_email_says_no_money_moved(
    client, student, paid_course, dev_mode, smtp_server, committed, admin_user
):
    order = start_checkout(client, student, paid_course)
    with committed():
        client.post(reverse("payments:dev-checkout", args=[order.pk]))
    client.force_login(admin_user)
    selected = {"action": "refund", "_selected_action": [order.pk], "confirm": "yes"}

    with committed():
        client.post(reverse("admin:payments_order_changelist"), selected)

    receipt, refund = smtp_server.wait_for(2)
    assert refund["Subject"] == (
        f"[Test payment] Refund of 49.00 USD for Django in Depth (order #{order.pk})"
    )
    text = _text(refund)
    assert text.startswith("TEST REFUND:")
    assert "Your access to the course has ended." in text
    assert "bank or card issuer" not in text  # no money moved, nothing to wait for


# -- refunds -------------------------------------------------------------------------------


def test_a_full_refund_email_says_what_was_refunded_and_that_access_ended(
    client, order, fake_stripe, student, smtp_server, committed
):
    _pay(client, fake_stripe, order, committed)

    with committed():
        post_event(client, fake_stripe.charge_refunded_event(_charge_id(fake_stripe, order)))

    receipt, message = smtp_server.wait_for(2)  # and no other email of the refund
    assert len(smtp_server.messages) == 2
    assert message["Subject"] == f"Refund of 49.00 USD for Django in Depth (order #{order.pk})"
    assert message["To"] == student.email
    assert message["X-Edusphere-Email"] == f"refund:order:{order.pk}:4900"
    assert message["List-Unsubscribe"] is None
    text, html = _text(message), _html(message)
    assert "We refunded 49.00 USD: your payment is refunded in full." in text
    assert f"Order: #{order.pk}" in text
    assert "Course: Django in Depth" in text
    assert "Refunded in total: 49.00 USD (of 49.00 USD paid)" in text
    assert "Your access to the course has ended." in text
    assert f"Your orders and receipts (My purchases): {ORDERS_URL}" in text
    assert "This is a service email about your account; it is always sent." in text
    assert "Your payment was refunded" in html
    assert "Your access to the course has ended." in html
    assert f'href="{ORDERS_URL}"' in html
    assert Email.objects.get(kind="refund").recipient == student
    # The in-site notification stays as it was.
    notice = Notification.objects.get(recipient=student, kind="refunded")
    assert notice.body == "Your access to the course has ended."


def test_a_partial_then_a_full_refund_each_get_one_email(
    client, order, fake_stripe, student, smtp_server, committed
):
    _pay(client, fake_stripe, order, committed)
    charge = _charge_id(fake_stripe, order)

    with committed():
        partial = fake_stripe.charge_refunded_event(charge, amount=900)
        post_event(client, partial)
    with committed():
        post_event(client, partial)  # Stripe's replay
        post_event(client, build_event("charge.refunded", partial["data"]["object"]))
    _receipt, first = smtp_server.wait_for(2)

    assert first["Subject"] == f"Refund of 9.00 USD for Django in Depth (order #{order.pk})"
    assert first["X-Edusphere-Email"] == f"refund:order:{order.pk}:900"
    text = _text(first)
    assert "We refunded 9.00 USD of your payment." in text
    assert "Refunded in total: 9.00 USD (of 49.00 USD paid)" in text
    assert "You keep your access to the course." in text
    assert "Part of your payment was refunded" in _html(first)
    assert Enrollment.objects.get(student=student).is_active
    assert len(smtp_server.messages) == 2

    with committed():
        post_event(client, fake_stripe.charge_refunded_event(charge, amount=4000))

    _receipt, _first, second = smtp_server.wait_for(3)
    assert second["Subject"] == f"Refund of 40.00 USD for Django in Depth (order #{order.pk})"
    assert second["X-Edusphere-Email"] == f"refund:order:{order.pk}:4900"
    text = _text(second)
    assert "We refunded 40.00 USD: your payment is refunded in full." in text
    assert "Refunded in total: 49.00 USD (of 49.00 USD paid)" in text
    assert "Your access to the course has ended." in text
    assert Email.objects.filter(kind="refund").count() == 2


def test_a_late_partial_refund_event_after_a_larger_one_sends_nothing(
    client, order, fake_stripe, smtp_server, committed
):
    _pay(client, fake_stripe, order, committed)
    charge = _charge_id(fake_stripe, order)
    older = fake_stripe.charge_refunded_event(charge, amount=900)
    newer = fake_stripe.charge_refunded_event(charge, amount=1000)

    with committed():
        post_event(client, newer)
        post_event(client, older)  # Stripe does not promise the order of its events

    order.refresh_from_db()
    assert order.refunded_amount == Decimal("19.00")
    assert [m["X-Edusphere-Email"] for m in _refunds(smtp_server)] == [
        f"refund:order:{order.pk}:1900"
    ]


def test_a_refund_email_says_access_stays_when_another_paid_order_keeps_it(
    client, order, fake_stripe, student, smtp_server, committed
):
    _pay(client, fake_stripe, order, committed)
    Order.objects.create(
        student=student,
        course=order.course,
        amount=order.amount,
        currency=order.currency,
        status="paid",
        enrollment=Enrollment.objects.get(),
    )

    with committed():
        post_event(client, fake_stripe.charge_refunded_event(_charge_id(fake_stripe, order)))

    (message,) = _refunds(smtp_server)
    text = _text(message)
    assert "You keep your access to the course: another purchase of it still pays for it." in text
    assert "has ended" not in text
    assert Enrollment.objects.get().is_active


@pytest.mark.parametrize("kept", [True, False], ids=["another order keeps it", "alone"])
def test_the_admin_preview_and_the_refund_email_say_the_same_about_access(
    client, order, fake_stripe, student, smtp_server, committed, admin_user, kept
):
    _pay(client, fake_stripe, order, committed)
    Order.objects.create(
        student=student,
        course=order.course,
        amount=order.amount,
        currency=order.currency,
        status="paid" if kept else "refunded",
        enrollment=Enrollment.objects.get(),
    )
    client.force_login(admin_user)
    selected = {"action": "refund", "_selected_action": [order.pk]}
    changelist = reverse("admin:payments_order_changelist")

    page = client.post(changelist, selected).content.decode()
    with committed():
        client.post(changelist, {**selected, "confirm": "yes"})
        post_event(client, fake_stripe.charge_refunded_event(_charge_id(fake_stripe, order)))

    row = page[page.index(f'data-order="{order.pk}"') :]
    row = row[: row.index("</tr>")]
    (message,) = _refunds(smtp_server)
    text = _text(message)
    if kept:
        assert "another paid order keeps it" in row
        assert "You keep your access to the course: another purchase of it still pays" in text
    else:
        assert "Access to the course ends" in row
        assert "Your access to the course has ended." in text
    assert Enrollment.objects.get().is_active == kept


def test_a_refund_before_the_payment_is_confirmed_tells_access_is_unchanged(
    client, order, fake_stripe, student, smtp_server, committed
):
    fake_stripe.complete_session(order.stripe_session_id)  # paid; its event comes later
    charge = fake_stripe.payment_intents[
        fake_stripe.sessions[order.stripe_session_id]["payment_intent"]
    ]["latest_charge"]
    fake_stripe.charges[charge]["metadata"] = {"order_id": str(order.pk)}

    with committed():
        post_event(client, fake_stripe.charge_refunded_event(charge))
        post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))

    assert Order.objects.get(pk=order.pk).status == "refunded"
    (message,) = smtp_server.wait_for(1)  # no receipt for a payment given back
    assert message["X-Edusphere-Email"] == f"refund:order:{order.pk}:4900"
    assert "had not given you access to the course yet" in _text(message)


# -- every step of the table ---------------------------------------------------------------


def _order_in(status: str, course) -> Order:
    student = StudentFactory()
    enrolled = status in (Order.Status.PAID, Order.Status.NEEDS_REVIEW)
    return Order.objects.create(
        student=student,
        course=course,
        amount=course.price,
        currency="usd",
        status=status,
        enrollment=EnrollmentFactory(student=student, course=course) if enrolled else None,
    )


@pytest.mark.parametrize(
    ("status", "event"), list(lifecycle.TRANSITIONS), ids=lambda value: str(value)
)
def test_each_step_queues_a_receipt_or_refund_email_exactly_when_the_table_says(
    status, event, paid_course
):
    step = lifecycle.TRANSITIONS[(status, event)]
    order = _order_in(status, paid_course)
    facts = services.Facts(
        session={
            "id": None,
            "client_reference_id": str(order.pk),
            "payment_status": "paid",
            "amount_total": 4900,
            "currency": "usd",
            "payment_intent": "pi_table",
        },
        charge={"amount": 4900, "amount_refunded": 4900, "currency": "usd"},
        problem="Checked by a test.",
    )
    locked = Order.objects.select_for_update().select_related("course", "student").get(pk=order.pk)

    services.order_apply(order=locked, event=event, facts=facts)

    kinds = sorted(
        Email.objects.filter(recipient=order.student, kind__in=["receipt", "refund"]).values_list(
            "kind", flat=True
        )
    )
    expected = sorted(
        kind
        for effect, kind in ((Effect.EMAIL_RECEIPT, "receipt"), (Effect.EMAIL_REFUND, "refund"))
        if effect in step.effects
    )
    assert kinds == expected


def test_only_the_steps_to_paid_send_a_receipt():
    for (status, _event), step in lifecycle.TRANSITIONS.items():
        sends = Effect.EMAIL_RECEIPT in step.effects
        assert sends == (step.to == Order.Status.PAID and status != Order.Status.PAID)


def test_receipts_and_refund_emails_still_reach_an_account_deactivated_since():
    """The mail outbox sends these kinds even to an account deactivated after queueing."""
    assert {emails.RECEIPT_KIND, emails.REFUND_KIND} == SENT_TO_DEACTIVATED_ACCOUNTS
