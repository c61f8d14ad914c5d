from django.urls import path

from . import views

app_name = "community_courses"

urlpatterns = [
    path("khoa-hoc/<int:course_id>/tham-gia/", views.enrol_view, name="enrol"),
    path("khoa-hoc/<int:course_id>/khao-sat/<slug:phase>/", views.survey_view, name="survey"),
    path("bai-hoc/<int:lesson_id>/hoan-thanh/", views.lesson_complete_view, name="lesson_complete"),
    path("thuc-hanh/<int:session_id>/", views.practice_view, name="practice"),
    path("nhu-cau/<slug:code>/", views.needs_survey_view, name="needs_survey"),
    # The circulation kiosk links here with the centre's library code.
    path("kiosk/<slug:code>/", views.kiosk_view, name="kiosk"),
    path("kiosk/<slug:code>/<int:course_id>/", views.kiosk_join_view, name="kiosk_join"),
]
