from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, Notification

# What each kind is about, under its name on the preferences page.
KIND_HELP = {
    Notification.Kind.ENROLLED: _("When you are enrolled in a course, free or bought."),
    Notification.Kind.PAYMENT_FAILED: _("When a payment for a course does not go through."),
    Notification.Kind.REFUNDED: _("When a payment of yours is refunded."),
    Notification.Kind.INSTRUCTOR_ASSIGNED: _("When you are made an instructor of a course."),
    Notification.Kind.NEW_LECTURE: _("When a course you take gets a new lecture or module."),
    Notification.Kind.NEW_REVIEW: _("When a student reviews a course you teach."),
    Notification.Kind.COURSE_COMPLETED: _("When you complete a course."),
    Notification.Kind.ROLE_CHANGED: _("When your role on the site changes."),
    Notification.Kind.CERTIFICATE_ISSUED: _("When a certificate of yours is ready."),
    Notification.Kind.ANNOUNCEMENT: _("When a course you take posts an announcement."),
}


class PreferencesForm(forms.Form):
    """One choice of Delivery per kind offered (`kinds`); field names are the kinds."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=Notification.Kind(kind).label,
                help_text=KIND_HELP.get(kind, ""),
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose how you hear of this."),
                    "invalid_choice": _("Choose one of the options given."),
                },
            )
