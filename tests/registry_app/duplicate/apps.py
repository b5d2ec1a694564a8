from django.apps import AppConfig


class DuplicateConfig(AppConfig):
    name = "tests.registry_app.duplicate"
    label = "registry_duplicate"

    def ready(self):
        from nongthonso.core import registry
        from tests.registry_app.courses import import_courses

        registry.register(self, registry.ImportKind("values", "Giá trị chỉ tiêu (bản thứ hai)", import_courses))
