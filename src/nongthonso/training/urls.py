"""The organiser's and the bridge-point host's pages (``registry.Pages("training", …)``). The URL names are linked to
by other pages of the app (the check-in poster, the attendance import, the reports): keep them."""

from django.urls import path

from . import views, views_people, views_points, views_sessions

COURSE = "tap-huan/<slug:code>/"

urlpatterns = [
    path("tap-huan/", views.course_list, name="training_courses"),
    path("tap-huan/tao-moi/", views.course_new, name="training_course_new"),
    path(COURSE, views.course_detail, name="training_course"),
    path(COURSE + "sua/", views.course_edit, name="training_course_edit"),
    path(COURSE + "chuyen-de/", views.topic_new, name="training_topic_new"),
    # sessions, lecturers, materials
    path(COURSE + "buoi/moi/", views_sessions.session_form, name="training_session_new"),
    path(COURSE + "buoi/<int:pk>/", views_sessions.session_detail, name="training_session"),
    path(COURSE + "buoi/<int:pk>/sua/", views_sessions.session_form, name="training_session_edit"),
    path(COURSE + "giang-vien/moi/", views_sessions.lecturer_form, name="training_lecturer_new"),
    path(COURSE + "giang-vien/<int:pk>/sua/", views_sessions.lecturer_form, name="training_lecturer_edit"),
    path(COURSE + "tai-lieu/moi/", views_sessions.material_upload, name="training_material_upload"),
    path(COURSE + "tai-lieu/<int:pk>/", views_sessions.material_file, name="training_material"),
    path(COURSE + "tai-lieu/<int:pk>/xoa/", views_sessions.material_delete, name="training_material_delete"),
    # bridge points, their connection per session, the roll call
    path(COURSE + "diem-cau/moi/", views_points.point_new, name="training_point_new"),
    path(COURSE + "diem-cau/<int:point>/sua/", views_points.point_edit, name="training_point_edit"),
    path(COURSE + "diem-cau/<int:point>/buoi/<int:session>/ket-noi/", views_points.connection,
         name="training_connection"),
    path(COURSE + "diem-cau/<int:point>/buoi/<int:session>/diem-danh/", views_points.roll_call,
         name="training_roll_call"),
    # participants
    path(COURSE + "hoc-vien/", views_people.participants, name="training_participants"),
    path(COURSE + "hoc-vien/dang-ky/", views_people.participant_new, name="training_participant_new"),
    path(COURSE + "hoc-vien/xuat/", views_people.participants_export, name="training_participants_export"),
    path(COURSE + "hoc-vien/xoa-thong-tin/", views_people.participants_erase, name="training_participants_erase"),
    path(COURSE + "hoc-vien/<int:pk>/sua/", views_people.participant_edit, name="training_participant_edit"),
    path(COURSE + "hoc-vien/<int:pk>/xoa-thong-tin/", views_people.participant_erase,
         name="training_participant_erase"),
]
