from django.urls import path

from courses import views

app_name = "courses"

# courses:detail, the course page, is added to this namespace in edusphere/urls.py: its view
# (progress.course_page) shows learner state, which courses does not import.

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/", views.catalog, name="catalog"),
]
