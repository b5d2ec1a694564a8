from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nongthonso.criteria.catalogue import CATALOGUE_DIR, CatalogueError, load_all

_VERBS = {"created": "tạo mới", "updated": "cập nhật", "unchanged": "không đổi",
          "new_version": "tạo phiên bản mới (bộ cũ đã được dùng)"}


class Command(BaseCommand):
    help = ("Nạp các bộ tiêu chí từ tệp YAML, rồi các tệp tương ứng chỉ tiêu giữa hai bộ (THƯ_MỤC/mappings): "
            "nongthonso criteria load [THƯ_MỤC]")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])
        parser.add_argument("directory", nargs="?", default=str(CATALOGUE_DIR))

    def handle(self, *args, action, directory, **options):
        try:
            results, mappings = load_all(Path(directory))
        except CatalogueError as exc:
            raise CommandError(str(exc)) from None
        for cset, outcome in results:
            self.stdout.write(f"{cset.code} v{cset.version}: {_VERBS[outcome]}")
        for old, new, outcome in mappings:
            self.stdout.write(f"tương ứng chỉ tiêu {old} → {new}: {_VERBS[outcome]}")
