from allauth.account.views import EmailView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


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
