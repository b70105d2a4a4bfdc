"""Admins see announcements and their delivery in the admin, read only."""

import pytest
from django.urls import reverse

from progress.models import Announcement
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def test_admins_see_announcements_read_only(client, admin_user, instructor):
    course = CourseFactory(instructors=[instructor])
    Announcement.objects.create(course=course, author=instructor, title="Exam on Friday", body="x")
    client.force_login(admin_user)
    page = client.get(reverse("admin:progress_announcement_changelist")).content.decode()
    assert "Exam on Friday" in page
    assert client.get(reverse("admin:progress_announcement_add")).status_code == 403
