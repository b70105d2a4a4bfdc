from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("issuer.json", views.issuer, name="issuer"),
    path("<uuid:uuid>/", views.verify, name="verify"),
    path("<uuid:uuid>/sheet/", views.sheet, name="sheet"),
    path("<uuid:uuid>/certificate.pdf", views.pdf, name="pdf"),
    path("<uuid:uuid>/credential.json", views.credential, name="credential"),
]

# Mounted under /learn/ beside the learner's pages.
learn_patterns = [
    path("<slug:slug>/complete/", views.course_complete, name="course_complete"),
]
