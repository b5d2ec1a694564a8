from django.core.management.base import BaseCommand, CommandError

from nongthonso.audit.context import request_context
from nongthonso.smart.catalogue import ACTOR, CatalogueError, TargetsError, load

_VERBS = {"created": "tạo mới", "updated": "cập nhật", "unchanged": "không đổi",
          "new_version": "tạo phiên bản mới (bộ cũ đã được dùng)"}


class Command(BaseCommand):
    help = ("Nạp các chương trình, mục tiêu chuyển đổi số (smart/data/targets.yaml) và bộ tiêu chí thôn thông minh "
            "của các tỉnh (smart/catalogue/): nongthonso smart load")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])

    def handle(self, *args, action, **options):
        try:
            with request_context(actor=ACTOR):
                programmes, sets = load()
        except (TargetsError, CatalogueError) as exc:
            raise CommandError(str(exc)) from None
        for code, outcome in programmes:
            self.stdout.write(f"chương trình {code}: {_VERBS[outcome]}")
        for code, version, outcome in sets:
            self.stdout.write(f"bộ tiêu chí {code} v{version}: {_VERBS[outcome]}")
