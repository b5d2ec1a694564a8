from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "nongthonso.recognition"
    verbose_name = "Công nhận"

    def ready(self):
        from . import spells  # noqa: F401  (keeps the spells in step with the decisions)
