"""The bench's ceiling: a bare view behind the full middleware stack.

Routed only when settings.BENCH_CEILING_VIEW is on (`make bench` turns it on for its own
server), so every page's throughput can be read as a fraction of what the framework itself
manages on the same machine, in the same process.
"""

from django.http import HttpResponse
from django.urls import path


def ceiling(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", ceiling, name="bench-ceiling")]
