from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "nongthonso.recognition"
    verbose_name = "Công nhận"
