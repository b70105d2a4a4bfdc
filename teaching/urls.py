from django.urls import path

from teaching import announcement_views, quiz_views, views

app_name = "teach"

# "<slug>/analytics/..." belongs to the dashboards app, mounted at the same prefix.
urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("<slug:slug>/", views.workspace, name="workspace"),
    path("<slug:slug>/details/", views.course_edit, name="course_edit"),
    path("<slug:slug>/announcements/", announcement_views.announcements, name="announcements"),
    path(
        "<slug:slug>/announcements/<int:announcement_id>/edit/",
        announcement_views.announcement_edit,
        name="announcement_edit",
    ),
    path(
        "<slug:slug>/announcements/<int:announcement_id>/delete/",
        announcement_views.announcement_delete,
        name="announcement_delete",
    ),
    path("<slug:slug>/modules/reorder/", views.module_reorder, name="module_reorder"),
    path("<slug:slug>/modules/new/", views.module_create, name="module_create"),
    path("<slug:slug>/modules/<int:module_id>/edit/", views.module_edit, name="module_edit"),
    path("<slug:slug>/modules/<int:module_id>/delete/", views.module_delete, name="module_delete"),
    path("<slug:slug>/modules/<int:module_id>/move/", views.module_move, name="module_move"),
    path(
        "<slug:slug>/modules/<int:module_id>/publish/",
        views.module_publish,
        name="module_publish",
    ),
    path(
        "<slug:slug>/modules/<int:module_id>/lectures/new/",
        views.lecture_create,
        name="lecture_create",
    ),
    path(
        "<slug:slug>/modules/<int:module_id>/lectures/reorder/",
        views.lecture_reorder,
        name="lecture_reorder",
    ),
    path("<slug:slug>/lectures/<int:lecture_id>/edit/", views.lecture_edit, name="lecture_edit"),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/delete/",
        views.lecture_delete,
        name="lecture_delete",
    ),
    path("<slug:slug>/lectures/<int:lecture_id>/move/", views.lecture_move, name="lecture_move"),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/publish/",
        views.lecture_publish,
        name="lecture_publish",
    ),
    # A quiz lecture's editor: settings, questions, GIFT import and export.
    path("<slug:slug>/lectures/<int:lecture_id>/quiz/", quiz_views.quiz_edit, name="quiz_edit"),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/import/",
        quiz_views.quiz_import,
        name="quiz_import",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/export/",
        quiz_views.quiz_export,
        name="quiz_export",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/questions/new/",
        quiz_views.question_create,
        name="question_create",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/questions/reorder/",
        quiz_views.question_reorder,
        name="question_reorder",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/questions/<int:question_id>/edit/",
        quiz_views.question_edit,
        name="question_edit",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/questions/<int:question_id>/delete/",
        quiz_views.question_delete,
        name="question_delete",
    ),
    path(
        "<slug:slug>/lectures/<int:lecture_id>/quiz/questions/<int:question_id>/move/",
        quiz_views.question_move,
        name="question_move",
    ),
]
