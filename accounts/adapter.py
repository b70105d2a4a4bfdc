from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Role
from mail.validators import validate_deliverable


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Whatever was posted, a new account is a plain student; only an admin raises a role
        # later (accounts.services.user_role_set).
        user.name = form.cleaned_data.get("name", "")
        user.set_role(Role.STUDENT)
        return super().save_user(request, user, form, commit=commit)

    def clean_email(self, email):
        # Sign-up, a new address and a password reset all email the address at once.
        validate_deliverable(email)
        return super().clean_email(email)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed logins per IP and per this key. Keyed by the address alone,
        # anyone could keep a known account locked out from anywhere; with the client's IP in
        # the key, only that client is locked out of that account. (A password reset clears
        # the key of the client that made it: allauth derives both from this one method.)
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{self.get_client_ip(request)}"

    def confirm_email(self, request, email_address):
        # An address belongs to whoever verifies it first, except another account's login
        # address: that account keeps it (its owner proves it with a password reset). Two
        # accounts verifying it at once both pass the check; the unique indexes stop the
        # second, whose whole change is then rolled back.
        try:
            with transaction.atomic():
                if services.email_is_another_accounts_login(email_address):
                    self._address_taken(request, email_address)
                    return False
                confirmed = super().confirm_email(request, email_address)
                if confirmed:
                    services.email_change_complete(email_address)
                    services.email_pending_elsewhere_drop(email_address)
                return confirmed
        except IntegrityError:
            self._address_taken(request, email_address)
            return False

    @staticmethod
    def _address_taken(request, email_address) -> None:
        messages.error(
            request,
            _(
                "%(email)s is the sign-in address of another account. Sign in to that "
                "account (or reset its password) instead."
            )
            % {"email": email_address.email},
        )
