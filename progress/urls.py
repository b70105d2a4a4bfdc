from django.urls import path

from progress import views

app_name = "progress"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("<slug:slug>/", views.resume, name="resume"),
    path("<slug:slug>/lectures/<int:lecture_id>/", views.player, name="player"),
    path("<slug:slug>/lectures/<int:lecture_id>/complete/", views.complete, name="complete"),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/media/<str:kind>/",
        views.lecture_media,
        name="media",
    ),
    path("<slug:slug>/review/", views.review_save, name="review"),
    path("<slug:slug>/review/delete/", views.review_remove, name="review_delete"),
    path("<slug:slug>/announcements/", views.announcements, name="announcements"),
    path(
        "<slug:slug>/announcements/latest/",
        views.announcements_latest,
        name="announcements_latest",
    ),
]
