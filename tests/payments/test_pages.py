"""Pages a student sees: success, cancel, my purchases."""

from decimal import Decimal

import pytest
from django.urls import reverse

from notifications.models import Notification
from payments.models import Order
from progress.models import Enrollment
from tests.factories import CourseFactory, OrderFactory, StudentFactory
from tests.payments.helpers import post_event, start_checkout

pytestmark = pytest.mark.django_db

SUCCESS_URL = "/payments/success/"


@pytest.fixture
def order(client, student, paid_course, fake_stripe):
    return start_checkout(client, student, paid_course)


def test_success_page_before_the_webhook_fulfils_the_order(client, order, fake_stripe, student):
    fake_stripe.complete_session(order.stripe_session_id)

    response = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})

    assert response.status_code == 200
    assert "Thank you for your purchase" in response.content.decode()
    assert f'href="/learn/{order.course.slug}/"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.get(student=student).is_active
    # The webhook arriving later changes nothing.
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    assert Enrollment.objects.count() == 1
    assert Notification.objects.filter(recipient=student, kind="enrolled").count() == 1


def test_success_page_after_the_webhook_shows_the_purchase(client, order, fake_stripe, student):
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    fake_stripe.requests.clear()

    response = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})

    assert "Thank you for your purchase" in response.content.decode()
    assert fake_stripe.requests == []  # nothing left to ask Stripe
    assert Enrollment.objects.count() == 1


def test_success_page_does_not_trust_the_query_string(client, order, fake_stripe):
    # The student comes back without paying: Stripe says the session is still open.
    response = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})

    assert "We are confirming your payment" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"
    assert not Enrollment.objects.exists()


def test_success_page_for_another_students_session_is_not_found(
    client, order, fake_stripe, paid_course
):
    fake_stripe.complete_session(order.stripe_session_id)
    client.force_login(StudentFactory())

    response = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})

    assert response.status_code == 404
    assert not Enrollment.objects.exists()


def test_success_page_for_an_unknown_session_is_not_found(client, student, fake_stripe):
    client.force_login(student)

    assert client.get(SUCCESS_URL, {"session_id": "cs_test_unknown"}).status_code == 404


@pytest.mark.parametrize("query", [{}, {"session_id": "{CHECKOUT_SESSION_ID}"}])
def test_success_page_with_a_broken_link_is_a_bad_request(client, student, query):
    client.force_login(student)

    response = client.get(SUCCESS_URL, query)

    assert response.status_code == 400
    assert "We could not find that payment" in response.content.decode()


def test_success_page_needs_a_login(client):
    response = client.get(SUCCESS_URL, {"session_id": "cs_test_x"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_success_page_while_stripe_is_down_asks_the_student_to_wait(client, order, fake_stripe):
    fake_stripe.complete_session(order.stripe_session_id)
    fake_stripe.down = True

    response = client.get(SUCCESS_URL, {"session_id": order.stripe_session_id})

    assert response.status_code == 200
    assert "We are confirming your payment" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_cancel_page_links_back_to_the_course(client, order):
    response = client.get(reverse("payments:cancel"), {"order": order.pk})

    assert "You have not been charged." in response.content.decode()
    assert f'href="{order.course.get_absolute_url()}"' in response.content.decode()


def test_cancel_page_does_not_show_another_students_order(client, order):
    client.force_login(StudentFactory())

    response = client.get(reverse("payments:cancel"), {"order": order.pk})

    assert response.status_code == 200
    assert order.course.title not in response.content.decode()


def test_cancel_page_for_a_paid_order_does_not_say_the_student_was_not_charged(
    client, order, fake_stripe, student
):
    """Stripe's cancel link for an order that was paid since says it is paid, not cancelled."""
    post_event(client, fake_stripe.session_completed_event(order.stripe_session_id))
    order.refresh_from_db()
    assert order.status == "paid"

    # The student pressed "back" to Stripe's cancel link in another tab.
    response = client.get(reverse("payments:cancel"), {"order": order.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "You have not been charged" not in html
    assert "Payment cancelled" not in html
    assert "Paid" in html
    assert f'href="{order.course.get_absolute_url()}"' in html
    assert f'href="{reverse("payments:orders")}"' in html
    assert "Cancel order" not in html


@pytest.mark.parametrize(
    ("status", "label"), [("refunded", "Refunded"), ("needs_review", "Needs review")]
)
def test_cancel_page_for_an_order_with_a_payment_shows_its_status(client, student, status, label):
    """An order Stripe took money for is shown as what it is on the cancel page."""
    order = OrderFactory(student=student, status=status)
    client.force_login(student)

    html = client.get(reverse("payments:cancel"), {"order": order.pk}).content.decode()

    assert "You have not been charged" not in html
    assert label in html


def test_cancel_page_does_not_show_another_students_paid_order(client, student):
    """Another student's paid order gives the generic cancel page, with nothing of it."""
    order = OrderFactory(
        status="paid", course=CourseFactory(title="Secret Course", price=Decimal("49.00"))
    )
    client.force_login(student)

    html = client.get(reverse("payments:cancel"), {"order": order.pk}).content.decode()

    assert "You have not been charged." in html
    assert "Secret Course" not in html
    assert "Paid" not in html


def test_orders_page_lists_only_my_orders(client, student):
    mine = OrderFactory(student=student, course=CourseFactory(title="Mine", price=Decimal("20.00")))
    Order.objects.filter(pk=mine.pk).update(status="paid")
    OrderFactory(course=CourseFactory(title="Someone else's course", price=Decimal("5.00")))
    client.force_login(student)

    response = client.get(reverse("payments:orders"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in content
    assert "20.00 USD" in content
    assert "Paid" in content
    assert "Someone else" not in content


def test_orders_page_shows_a_refund_in_the_currency_paid(client, student):
    """My purchases shows what was refunded in the currency Stripe charged and refunded."""
    order = OrderFactory(
        student=student,
        status="refunded",
        paid_amount=Decimal("45.00"),
        paid_currency="eur",
        refunded_amount=Decimal("45.00"),
    )
    assert order.currency == "usd"
    client.force_login(student)

    page = client.get(reverse("payments:orders")).content.decode()

    row = page[page.index(f'data-order="{order.pk}"') :]
    assert "45.00 EUR refunded" in row[: row.index("</tr>")]


def test_orders_page_query_count_does_not_grow_with_orders(
    client, student, django_assert_max_num_queries
):
    client.force_login(student)
    for _ in range(3):
        OrderFactory(student=student)
    with django_assert_max_num_queries(8):
        small = client.get(reverse("payments:orders"))
    for _ in range(25):
        OrderFactory(student=student)
    with django_assert_max_num_queries(8):
        large = client.get(reverse("payments:orders"))

    assert small.content.decode().count("data-order=") == 3
    assert large.content.decode().count("data-order=") == 20
    assert "Page 1 of 2" in large.content.decode()


def test_orders_page_needs_a_login(client):
    assert client.get(reverse("payments:orders")).status_code == 302
