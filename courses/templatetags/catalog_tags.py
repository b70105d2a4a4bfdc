from django import template
from django.utils.translation import gettext as _

from courses.markdown import render_markdown

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Minutes as a short human duration: '45 min', '2 h', '3 h 20 min'."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


@register.filter
def markdown(text) -> str:
    """Course descriptions are Markdown; the renderer sanitises the HTML it returns."""
    return render_markdown(text)


@register.filter
def stars(rating) -> str:
    """A rating out of 5 as five stars, rounded to the nearest whole star: '★★★★☆'."""
    try:
        full = max(0, min(5, round(float(rating))))
    except (TypeError, ValueError):
        return ""
    return "★" * full + "☆" * (5 - full)
