from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("<slug:slug>/analytics/", views.course_analytics_view, name="course_analytics"),
]
