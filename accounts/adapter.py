from allauth.account.adapter import DefaultAccountAdapter

from accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Whatever was posted, a new account is a plain student; only an admin raises a role
        # later (accounts.services.user_role_set).
        user.name = form.cleaned_data.get("name", "")
        user.set_role(Role.STUDENT)
        return super().save_user(request, user, form, commit=commit)
