from django.urls import path

from dashboards import gradebook_views, views

app_name = "dashboards"

urlpatterns = [
    path("<slug:slug>/analytics/", views.course_analytics_view, name="course_analytics"),
    path("<slug:slug>/gradebook/", gradebook_views.gradebook_view, name="gradebook"),
    path("<slug:slug>/gradebook.csv", gradebook_views.gradebook_csv_view, name="gradebook_csv"),
    path(
        "<slug:slug>/gradebook/quizzes/<int:lecture_id>/",
        gradebook_views.gradebook_quiz_view,
        name="gradebook_quiz",
    ),
    path(
        "<slug:slug>/gradebook/quizzes/<int:lecture_id>/grant/",
        gradebook_views.gradebook_grant_view,
        name="gradebook_grant",
    ),
]
