from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList as DjangoChangeList
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.models import JobRun
from core.storage import STORAGE_FAILED, CloudinaryStorageError


def _holds(field, value) -> bool:
    """Whether `field` (a key column) can hold `value` as posted."""
    try:
        # Type and range only: validate() may query the database (a one-to-one key).
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


class AutocompleteSelect(widgets.AutocompleteSelect):
    """Django's, showing again only the posted values that can be keys.

    Django looks the posted values up as they came when a form is shown again with its
    errors: text, or a number past the column's range, in a forged form was a server error.
    """

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field  # the column the foreign key refers to
        return super().optgroups(name, [v for v in value if _holds(target, v)], attr)


class ChangeList(DjangoChangeList):
    def get_filters(self, request):
        # A date drill-down to a year past 9998 raised past Django's own check (Django ticket
        # #37357, fixed after 5.2): a bad lookup, as Django answers the other lookups it
        # cannot make.
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class ForgedKeysRefused:
    """For every ModelAdmin: posted ids that cannot be keys are an error shown to the user.

    Django filters an action's selection by the ids posted, and shows an autocomplete field's
    posted value again, as they came: a forged id (text, a number past the column's range)
    was a server error. A browser only posts the ids the page listed. (Autocomplete fields
    here are foreign keys; a many-to-many one would need the same widget check.) A date
    drill-down to a year out of range is a bad lookup, as Django answers others.
    """

    def get_changelist(self, request, **kwargs):
        return ChangeList

    def response_action(self, request, queryset):
        pk = queryset.model._meta.pk
        if not all(_holds(pk, v) for v in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(
                request,
                # Django's own message for an empty selection, and its translations.
                _(
                    "Items must be selected in order to perform actions on them. No items "
                    "have been changed."
                ),
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StorageFailureShown:
    """For every ModelAdmin with a file field: a file the storage could not take (a
    Cloudinary failure) is a message over the form again instead of a server error. The
    admin saves in one transaction, so nothing of the form was saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except CloudinaryStorageError:
            self.message_user(request, STORAGE_FAILED, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ModelAdmin(ForgedKeysRefused, StorageFailureShown, admin.ModelAdmin):
    """The project's base for model admins (see ForgedKeysRefused, StorageFailureShown)."""


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ForgedKeysRefused, DjangoGroupAdmin):
    pass


@admin.register(JobRun)
class JobRunAdmin(ModelAdmin):
    """What the scheduler ran, when, and how it ended (read only)."""

    list_display = ["job", "period", "started_at", "finished_at", "failed"]
    list_filter = ["job", "started_at"]
    search_fields = ["job", "error"]
    readonly_fields = ["job", "period", "started_at", "finished_at", "result", "error"]

    @admin.display(boolean=True, description="failed")
    def failed(self, run):
        return bool(run.error)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
