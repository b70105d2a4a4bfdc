import copy

from allauth.account.views import EmailView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from core.storage import CloudinaryStorageError, storage_failed


@login_required
def profile(request):
    # A copy: validating a form writes the posted values on its instance, and request.user,
    # shown in the page's header, must stay as saved when the form is refused.
    user = copy.copy(request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # A savepoint: a failed save marks any enclosing transaction for rollback.
            with transaction.atomic():
                form.save()
        except CloudinaryStorageError:
            status = storage_failed(form)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=status)


class AccountEmailView(EmailView):
    """allauth's email page without "make primary": the sign-in address changes only when
    a new address is verified (AccountAdapter.confirm_email), never by a click on one that
    is not."""

    def post(self, request, *args, **kwargs):
        if "action_primary" in request.POST:
            messages.error(
                request, _("Your address changes when you follow the link sent to the new one.")
            )
            return redirect("account_email")
        return super().post(request, *args, **kwargs)
