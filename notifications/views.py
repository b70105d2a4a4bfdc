from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services
from notifications.models import Notification

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
    back = _safe_next(request, request.htmx.current_url_abs_path or "")
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
