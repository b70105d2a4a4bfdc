from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import emails, selectors, services
from notifications.forms import PreferencesForm
from notifications.models import Delivery, Notification

PAGE_SIZE = 20


@login_required
def notification_list(request):
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


LATEST_COUNT = 5


@require_GET
@login_required
def notification_latest(request):
    """The bell's drop-down: the newest few, fetched when it opens (htmx). Its forms bring
    the reader back to the page the bell was opened on."""
    try:
        current = request.htmx.current_url_abs_path or ""
    except ValueError:  # a malformed HX-Current-URL header ("http://[")
        current = ""
    back = _safe_next(request, current)
    latest = selectors.notification_list(user=request.user)[:LATEST_COUNT]
    return render(
        request,
        "notifications/_latest.html",
        {"latest": latest, "back": back or reverse("notifications:list")},
    )


def _safe_next(request, url: str) -> str | None:
    """`url` when it is a path on this site, else None. Only paths: a bare word such as
    `abc` is not a URL, and redirect() would take it for a view name."""
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return None


@require_POST
@login_required
def notification_read(request, pk: int):
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    target = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    target = target or _safe_next(request, notification.link)
    return HttpResponseRedirect(target) if target else redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request):
    changed = services.notification_mark_all_read(user=request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    """How the user hears of each kind by email: at once, in the daily digest, or not."""
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        kinds=selectors.preference_kinds(user=request.user),
        initial=selectors.deliveries(user=request.user),
    )
    if form.is_bound:
        if form.is_valid():
            services.preferences_save(user=request.user, choices=form.cleaned_data)
            messages.success(request, _("Your email settings are saved."))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


def _masked(address: str) -> str:
    """Enough of an address to tell which account a link is for, should it be forwarded."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"


# The token is the credential here, not a session: the link works from the email without
# logging in, and RFC 8058 one-click POSTs from mail providers carry neither cookies nor a
# CSRF token. A forged POST needs the token, and can only turn one kind of email off.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (link scanners follow links: nothing changes); POST turns the emails off."""
    try:
        user_id, kind = emails.unsubscribe_token_read(token)
    except emails.BadToken:
        user = None
    else:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        response = render(request, "notifications/unsubscribe_invalid.html", status=400)
    else:
        is_digest = kind == emails.DIGEST
        context = {
            "is_digest": is_digest,
            "kind_label": "" if is_digest else Notification.Kind(kind).label,
            "address": _masked(user.email),
        }
        if request.method == "POST":
            services.unsubscribe(user=user, kind=kind)
            context["done"] = True
        else:
            current = selectors.deliveries(user=user)
            context["already_off"] = (
                Delivery.DIGEST not in current.values()
                if is_digest
                else current[kind] == Delivery.OFF
            )
        response = render(request, "notifications/unsubscribe.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
