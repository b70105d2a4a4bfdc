from django.urls import path

from assessment import views

app_name = "assessment"

# Mounted under /learn/<slug>/lectures/<lecture_id>/quiz/.
urlpatterns = [
    path("", views.quiz_page, name="quiz"),
    path("start/", views.quiz_start, name="start"),
    path("complete/", views.quiz_complete, name="complete"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="result"),
]
