"""The site mounted under /site/, for the header test."""

from django.urls import include, path

urlpatterns = [path("site/", include("edusphere.urls"))]
