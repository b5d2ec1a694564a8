from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "nongthonso.assessments"
    verbose_name = "Đánh giá tiêu chí"

    def ready(self):
        from . import receivers, standings  # noqa: F401  (standings and results kept in step with what they use)
