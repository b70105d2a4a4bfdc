"""Forged ids posted to the admin: a message or a form error, never a server error.

A browser posts only the ids a page listed; a forged form may post anything. Django's admin
used ids as posted when filtering an action's selection and when showing an autocomplete
field again with the form's errors.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse

from tests.factories import CourseFactory

# Text, a fraction, a number past any integer column's range, nothing.
FORGED_KEYS = ["abc", "1.5", str(2**64), ""]
EMPTY_SELECTION = "Items must be selected in order to perform actions on them."

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
AUTOCOMPLETED = [
    (model, name)
    for model in REGISTERED
    for name in admin.site._registry[model].autocomplete_fields
]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("key", FORGED_KEYS)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_an_action_on_forged_ids_says_nothing_was_selected(
    admin_client, admin_user, rf, model, key
):
    CourseFactory()  # rows in most lists, so that the selection is what is refused
    request = rf.get("/")
    request.user = admin_user
    actions = list(admin.site._registry[model].get_actions(request))
    data = {
        "action": actions[0] if actions else "delete_selected",
        helpers.ACTION_CHECKBOX_NAME: [key],
        "index": "0",
    }

    response = admin_client.post(admin_url(model, "changelist"), data, follow=True)

    assert response.status_code == 200
    if actions:
        assert EMPTY_SELECTION in response.content.decode()


def test_some_admins_use_autocomplete_fields():
    # Else the test below would check nothing.
    assert len(AUTOCOMPLETED) >= 4


@pytest.mark.django_db
@pytest.mark.parametrize("key", FORGED_KEYS)
@pytest.mark.parametrize(
    ("model", "field"),
    AUTOCOMPLETED,
    ids=lambda value: getattr(value, "_meta", None) and value._meta.label or value,
)
def test_a_forged_autocomplete_value_is_a_form_error(admin_client, model, field, key):
    response = admin_client.post(admin_url(model, "add"), {field: key})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors


DRILLED = [model for model in REGISTERED if admin.site._registry[model].date_hierarchy]


def test_some_admins_drill_down_by_date():
    assert len(DRILLED) >= 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "drill_down",
    ["__year=9999", f"__year={2**64}", f"__year=2026&{{field}}__month={2**64}", "__year=0"],
)
@pytest.mark.parametrize("model", DRILLED, ids=lambda model: model._meta.label)
def test_a_date_drill_down_out_of_range_is_a_bad_lookup(admin_client, model, drill_down):
    field = admin.site._registry[model].date_hierarchy
    url = admin_url(model, "changelist")

    response = admin_client.get(f"{url}?{field}{drill_down.format(field=field)}")

    # Django's answer to any lookup it cannot make: the list again, with ?e=1.
    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"
