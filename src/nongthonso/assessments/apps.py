from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "nongthonso.assessments"
    verbose_name = "Đánh giá tiêu chí"

    def ready(self):
        from . import standings  # noqa: F401  (keeps the standings in step with the assessments)
