"""The email settings page: one question per kind, saved with POST and a redirect."""

import re
from datetime import timedelta

import pytest

from mail import services as mail_services
from mail.models import Email
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.selectors import deliveries
from notifications.services import UNSUBSCRIBED
from tests.factories import InstructorFactory, StudentFactory

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
URL = "/notifications/preferences/"
STUDENT_KINDS = [
    Kind.ENROLLED,
    Kind.PAYMENT_FAILED,
    Kind.REFUNDED,
    Kind.NEW_LECTURE,
    Kind.COURSE_COMPLETED,
    Kind.ROLE_CHANGED,
    Kind.CERTIFICATE_ISSUED,
    Kind.ANNOUNCEMENT,
]


def legends(page: str) -> list[str]:
    return re.findall(r"<legend>([^<]+)</legend>", page)


def checked(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*checked', page))


def all_choices(kinds, delivery=Delivery.IMMEDIATELY) -> dict:
    return dict.fromkeys(kinds, delivery)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(URL, all_choices(STUDENT_KINDS, Delivery.OFF))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not NotificationPreference.objects.exists()


def test_the_page_shows_each_kind_as_a_labelled_radio_group_with_the_defaults(client, student):
    client.force_login(student)
    page = client.get(URL).content.decode()
    assert "<h1>Email settings</h1>" in page
    assert page.count("<fieldset") == len(STUDENT_KINDS)
    assert legends(page) == [Kind(k).label for k in STUDENT_KINDS]
    assert checked(page) == {
        **all_choices(STUDENT_KINDS),
        Kind.NEW_LECTURE: Delivery.DIGEST,
        Kind.COURSE_COMPLETED: Delivery.DIGEST,
    }
    # Every radio has its label.
    for radio_id in re.findall(r'<input type="radio"[^>]*id="([^"]+)"', page):
        assert f'<label class="checkbox-label" for="{radio_id}">' in page
    assert "When a course you take gets a new lecture" in page


def test_teaching_kinds_are_offered_to_instructors_only(client, student):
    client.force_login(student)
    student_page = client.get(URL).content.decode()
    assert "New review" not in legends(student_page)
    client.force_login(InstructorFactory())
    teacher = legends(client.get(URL).content.decode())
    assert "New review" in teacher and "Assigned as instructor" in teacher


def test_saving_stores_each_choice_redirects_and_says_so(client, student):
    client.force_login(student)
    choices = {**all_choices(STUDENT_KINDS), Kind.ENROLLED: Delivery.OFF}
    choices[Kind.ANNOUNCEMENT] = Delivery.DIGEST
    response = client.post(URL, choices)
    assert response.status_code == 302 and response["Location"] == URL
    page = client.get(URL).content.decode()
    assert "Your email settings are saved." in page
    assert checked(page) == choices
    mine = deliveries(user=student)
    assert mine[Kind.ENROLLED] == Delivery.OFF and mine[Kind.ANNOUNCEMENT] == Delivery.DIGEST
    # Saving again updates the same rows.
    client.post(URL, {**choices, Kind.ENROLLED: Delivery.IMMEDIATELY})
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.IMMEDIATELY
    assert NotificationPreference.objects.filter(user=student).count() == len(STUDENT_KINDS)


def test_an_email_awaiting_a_retry_is_not_sent_after_its_kind_is_turned_off(
    client, student, smtp_server, email_awaiting_retry
):
    """Turning a kind off here also stops its emails still waiting for a retry, only those."""
    announcement = email_awaiting_retry(student, Kind.ANNOUNCEMENT)
    enrolled = email_awaiting_retry(student, Kind.ENROLLED)
    client.force_login(student)
    client.post(URL, {**all_choices(STUDENT_KINDS), Kind.ANNOUNCEMENT: Delivery.OFF})
    later = enrolled.next_attempt_at + timedelta(minutes=1)
    assert mail_services.emails_deliver([announcement.pk, enrolled.pk], now=later) == 1
    (message,) = smtp_server.wait_for(1)
    assert message["Subject"] == enrolled.subject
    announcement.refresh_from_db()
    assert announcement.status == Email.Status.FAILED
    assert announcement.last_error == UNSUBSCRIBED


def test_a_student_cannot_set_a_kind_the_page_does_not_offer(client, student):
    client.force_login(student)
    client.post(URL, {**all_choices(STUDENT_KINDS), Kind.NEW_REVIEW: Delivery.OFF})
    assert not NotificationPreference.objects.filter(kind=Kind.NEW_REVIEW).exists()


def test_only_the_users_own_settings_change(client, student):
    other = StudentFactory()
    client.force_login(student)
    client.post(URL, {**all_choices(STUDENT_KINDS, Delivery.OFF), "user": other.pk})
    assert not NotificationPreference.objects.filter(user=other).exists()
    assert deliveries(user=student)[Kind.ENROLLED] == Delivery.OFF


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({Kind.ENROLLED: "weekly"}, "Choose one of the options given."),
        ({Kind.ENROLLED: ""}, "Choose how you hear of this."),
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(client, student, change, error):
    client.force_login(student)
    response = client.post(URL, {**all_choices(STUDENT_KINDS, Delivery.OFF), **change})
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and "Please check the marked choices." in page
    assert 'aria-describedby="id_enrolled_helptext id_enrolled_errors"' in page
    assert not NotificationPreference.objects.exists()


def test_a_missing_kind_is_an_error_too(client, student):
    client.force_login(student)
    choices = all_choices(STUDENT_KINDS)
    del choices[Kind.REFUNDED]
    assert client.post(URL, choices).status_code == 400
    assert not NotificationPreference.objects.exists()


def test_the_account_menu_and_the_notifications_page_link_here(client, student):
    client.force_login(student)
    menu = client.get("/accounts/profile/").content.decode()
    assert f'<a href="{URL}">Email settings</a>' in menu
    assert f'href="{URL}">Email settings</a>' in client.get("/notifications/").content.decode()


def test_the_page_reads_few_queries(client, student, django_assert_max_num_queries):
    client.force_login(student)
    client.get(URL)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(8):
        client.post(URL, all_choices(STUDENT_KINDS, Delivery.OFF))
