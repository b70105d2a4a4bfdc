"""Build a POST body from an admin change page, the way a browser would submit it unchanged."""

from django.db.models import Model
from django.db.models.fields.files import FieldFile


def _value(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, FieldFile) or value is None:  # files are not re-posted
        return None
    return value


def _add_form(data, form):
    for name in form.fields:
        bound = form[name]
        value = _value(bound.value())
        if value is not None:
            data[bound.html_name] = value


def admin_form_data(response, **changes):
    data = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
