import pytest
from django.db import connection

from courses.models import Course
from courses.selectors import _search
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_catalog_search_can_use_the_full_text_index():
    # Guards the migration's expression against drifting from the selector's: if they
    # differ, PostgreSQL cannot use the index and every search scans every course.
    CourseFactory(title="Python basics")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = _search(Course.objects.all(), "python").explain()
    assert "Bitmap Index Scan on course_search_vector_idx" in plan
