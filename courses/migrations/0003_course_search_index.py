"""A GIN index for the catalog's full-text search, on PostgreSQL only.

The expression is exactly the one `courses.selectors._search` builds (weights A/B/C over
title, subtitle and description, English configuration), so the planner can use it. SQLite
has no such index and searches with a simple match instead.
"""

from django.db import migrations

SEARCH_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(subtitle, '')), 'B'))"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'C')"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS course_search_vector_idx "
            f"ON courses_course USING gin (({SEARCH_VECTOR}))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS course_search_vector_idx")


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_upload_validators")]

    operations = [migrations.RunPython(create_index, drop_index)]
