from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from certificates import services
from certificates.models import Certificate
from core import admin as core_admin
from core.sites import absolute_url


class CertificateAdminForm(forms.ModelForm):
    """A certificate is never edited; an admin revokes it (with a reason) or reinstates it."""

    class Change(models.TextChoices):
        KEEP = "", _("Leave as it is")
        REVOKE = "revoke", _("Revoke")
        REINSTATE = "reinstate", _("Reinstate")

    change = forms.ChoiceField(label=_("Change"), choices=Change, required=False)
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=300,
        required=False,
        help_text=_("Shown to admins only; the public page says the certificate was revoked."),
    )

    class Meta:
        model = Certificate
        fields = []

    def clean(self):
        data = super().clean()
        change = data.get("change")
        if change == self.Change.REVOKE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for revoking the certificate."))
        if (
            change == self.Change.REVOKE
            and self.instance.revocation == Certificate.Revocation.BY_ADMIN
        ):
            self.add_error("change", _("This certificate is already revoked."))
        if change == self.Change.REINSTATE and self.instance.is_valid:
            self.add_error("change", _("This certificate is valid."))
        return data


@admin.register(Certificate)
class CertificateAdmin(core_admin.ModelAdmin):
    form = CertificateAdminForm
    list_display = ["name", "course_title", "student", "issued_at", "status"]
    list_filter = ["revocation", "issued_at"]
    search_fields = ["name", "student__email", "course_title", "uuid"]
    list_select_related = ["student"]
    date_hierarchy = "issued_at"
    fields = [
        "verification_link",
        "name",
        "student",
        "course",
        "course_title",
        "instructors",
        "course_length_seconds",
        "issued_at",
        "revoked_at",
        "revocation",
        "revocation_reason",
        "change",
        "reason",
    ]
    readonly_fields = [f for f in fields if f not in ("change", "reason")]

    @admin.display(description=_("status"))
    def status(self, certificate):
        return _("Valid") if certificate.is_valid else _("Revoked")

    @admin.display(description=_("verification page"))
    def verification_link(self, certificate):
        url = absolute_url(reverse("certificates:verify", args=[certificate.uuid]))
        return format_html('<a href="{}">{}</a>', url, url)

    def has_add_permission(self, request):
        return False  # issued on completion only

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: its verification page must say so

    def save_model(self, request, obj, form, change):
        choice = form.cleaned_data.get("change")
        if choice == CertificateAdminForm.Change.REVOKE:
            services.certificate_revoke(
                actor=request.user, certificate=obj, reason=form.cleaned_data["reason"]
            )
        elif choice == CertificateAdminForm.Change.REINSTATE:
            services.certificate_reinstate(actor=request.user, certificate=obj)
