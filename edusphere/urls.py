from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core import health
from payments import views as payments_views

urlpatterns = [
    path("courses/<slug:slug>/enroll/", payments_views.enroll, name="course-enroll"),
    path("", include("courses.urls")),
    path("learn/", include("progress.urls")),
    path("teach/", include("teaching.urls")),
    path("teach/", include("dashboards.urls")),
    path("payments/", include("payments.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

if settings.BENCH_CEILING_VIEW:
    urlpatterns.append(path("bench/ceiling/", include("bench.ceiling")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
