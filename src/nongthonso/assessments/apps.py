from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "nongthonso.assessments"
    verbose_name = "Đánh giá tiêu chí"
