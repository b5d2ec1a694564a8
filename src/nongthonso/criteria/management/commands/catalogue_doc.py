from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nongthonso.criteria.catalogue import CATALOGUE_DIR, CatalogueError
from nongthonso.criteria.catalogue_doc import DOC_PATH, render


class Command(BaseCommand):
    help = ("Viết lại docs/criteria-catalogue.md từ các tệp bộ tiêu chí (nguồn, thẻ nguồn gốc của từng ngưỡng, chỗ còn "
            "tạm đặt): nongthonso catalogue_doc [--check] [--output TỆP] [--directory THƯ_MỤC]")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="không ghi; báo lỗi nếu tệp tài liệu khác với nội dung sinh từ danh mục")
        parser.add_argument("--output", default=str(DOC_PATH),
                            help="tệp tài liệu (mặc định docs/criteria-catalogue.md)")
        parser.add_argument("--directory", default=str(CATALOGUE_DIR), help="thư mục danh mục bộ tiêu chí")

    def handle(self, *args, check, output, directory, **options):
        try:
            text = render(Path(directory))
        except CatalogueError as exc:
            raise CommandError(str(exc)) from None
        target = Path(output)
        if check:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                raise CommandError(f"Tệp «{target}» không khớp với danh mục bộ tiêu chí. Chạy «nongthonso "
                                   "catalogue_doc» để sinh lại rồi commit tệp.")
            self.stdout.write(f"{target}: khớp với danh mục.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Đã ghi {target} ({len(text.splitlines())} dòng).")
