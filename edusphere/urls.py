from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from certificates import urls as certificates_urls
from core import health
from courses import urls as courses_urls
from payments import views as payments_views
from progress import course_page

# The courses namespace: the catalog and home from courses, plus the course page, whose view
# lives in progress because it shows learner state (courses imports nothing above it).
courses_patterns = [
    *courses_urls.urlpatterns,
    path("courses/<slug:slug>/", course_page.course_detail, name="detail"),
]

# Certificates, and the course-complete page that shows one beside the learner's pages.
certificates_patterns = [
    path("certificates/", include(certificates_urls.urlpatterns)),
    path("learn/", include(certificates_urls.learn_patterns)),
]

# The admin signs in through the site's login: its rate limits and two-factor step apply.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("courses/<slug:slug>/enroll/", payments_views.enroll, name="course-enroll"),
    path("", include((courses_patterns, courses_urls.app_name))),
    path("", include((certificates_patterns, certificates_urls.app_name))),
    path("learn/", include("progress.urls")),
    path("learn/<slug:slug>/lectures/<int:lecture_id>/quiz/", include("assessment.urls")),
    path("teach/", include("teaching.urls")),
    path("teach/", include("dashboards.urls")),
    path("payments/", include("payments.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    # Before allauth's own page of the same name (accounts.views.AccountEmailView says why).
    path("accounts/email/", accounts_views.AccountEmailView.as_view(), name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

if settings.BENCH_CEILING_VIEW:
    urlpatterns.append(path("bench/ceiling/", include("bench.ceiling")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
