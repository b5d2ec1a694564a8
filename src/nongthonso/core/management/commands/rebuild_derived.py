"""``nongthonso rebuild_derived [--check]``: recompute the rows derived from raw data for fast counting.

The spells (who holds which level when, from the decisions) and the standings (each unit's latest assessment
per year, from the assessments) are kept in step by the application in the transaction of every write; this
command is for data written around it (a bulk load straight into the database, a repair) — ``--check`` only
compares and exits with status 1 when they differ."""

from django.core.management.base import BaseCommand, CommandError

from nongthonso.assessments import standings
from nongthonso.recognition import spells


class Command(BaseCommand):
    help = "Tính lại các bảng dẫn xuất (thời kỳ đạt chuẩn theo quyết định, bản đánh giá mới nhất theo năm)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="chỉ so sánh, không ghi")

    def handle(self, *args, check: bool = False, **options):
        if check:
            problems = [f"thời kỳ đạt chuẩn: {p}" for p in spells.check()] + \
                       [f"bản đánh giá mới nhất: {p}" for p in standings.check()]
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} dòng dẫn xuất lệch với dữ liệu gốc; chạy "
                                   "«nongthonso rebuild_derived» để tính lại.")
            self.stdout.write("Các bảng dẫn xuất khớp với dữ liệu gốc.")
            return
        n_spells, n_standings = spells.rebuild(), standings.rebuild()
        self.stdout.write(f"Đã tính lại {n_spells} thời kỳ đạt chuẩn và {n_standings} dòng bản đánh giá mới nhất.")
