"""The link to another page of a paginated list, for templates/includes/pagination.html."""

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page", keep_query=False, fragment=""):
    """`?<param>=<number>`: with the current URL's other parameters when `keep_query` (a
    list's filters, say; `param` is replaced, kept in its place), then `#<fragment>` if given.

    Like {% querystring %}, but the parameter's name may be a variable.
    """
    request = getattr(context, "request", None)
    params = request.GET.copy() if keep_query and request else QueryDict(mutable=True)
    params[param] = number
    url = f"?{params.urlencode()}"
    return f"{url}#{fragment}" if fragment else url
