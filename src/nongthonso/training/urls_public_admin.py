"""The organiser's pages behind the course's public pages (registered as ``registry.Pages("training_public_admin")``):
the QR posters and switches of check-in, self-registration and the evaluation form, the evaluation's questions and
results, the pre/post test scores, and the certificates. Each view finds the course through
``scope.organised_courses`` (out of scope: 404)."""

from django.urls import path

from . import certificates_views, checkin_views, evaluation_views, registration_views

urlpatterns = [
    path("tap-huan/<slug:code>/buoi/<int:session>/ma-qr/", checkin_views.poster, name="training_checkin_poster"),
    path("tap-huan/<slug:code>/dang-ky/", registration_views.registration_poster,
         name="training_registration_poster"),
    path("tap-huan/<slug:code>/danh-gia/", evaluation_views.questions, name="training_evaluation_questions"),
    path("tap-huan/<slug:code>/danh-gia/ket-qua/", evaluation_views.results, name="training_evaluation_results"),
    path("tap-huan/<slug:code>/danh-gia/duong-dan.csv", evaluation_views.links_csv, name="training_evaluation_links"),
    path("tap-huan/<slug:code>/kiem-tra/", evaluation_views.test_scores, name="training_test_scores"),
    path("tap-huan/<slug:code>/kiem-tra/diem.<str:fmt>", evaluation_views.test_scores_file,
         name="training_test_scores_file"),
    path("tap-huan/<slug:code>/chung-nhan/", certificates_views.certificates_page, name="training_certificates"),
    path("tap-huan/<slug:code>/chung-nhan/tat-ca.pdf", certificates_views.all_pdf, name="training_certificates_pdf"),
    path("tap-huan/<slug:code>/chung-nhan/<int:pk>.pdf", certificates_views.certificate_pdf,
         name="training_certificate_pdf"),
]
