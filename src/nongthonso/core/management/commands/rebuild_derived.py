"""``nongthonso rebuild_derived [--check]``: recompute the rows derived from raw data for fast counting.

The derived tables are those the apps register (``core.registry.DerivedTable``): the spells (who holds which level
when, from the decisions), the standings (each unit's latest assessment per year, from the assessments) and any
other app's. They are kept in step by the application in the transaction of every write; this command is for data
written around it (a bulk load straight into the database, a repair) — ``--check`` only compares and exits with
status 1 when they differ."""

from django.core.management.base import BaseCommand, CommandError

from nongthonso.core import registry


def _and(parts: list[str]) -> str:
    """«a», «a và b», «a, b và c»."""
    return " và ".join(filter(None, [", ".join(parts[:-1]), *parts[-1:]]))


class Command(BaseCommand):
    @property
    def help(self) -> str:
        labels = ", ".join(table.label for table in registry.entries(registry.DerivedTable))
        return f"Tính lại các bảng dẫn xuất ({labels})."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="chỉ so sánh, không ghi")

    def handle(self, *args, check: bool = False, **options):
        tables = registry.entries(registry.DerivedTable)
        if check:
            problems = [f"{table.label}: {p}" for table in tables for p in table.check()]
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} dòng dẫn xuất lệch với dữ liệu gốc; chạy "
                                   "«nongthonso rebuild_derived» để tính lại.")
            self.stdout.write("Các bảng dẫn xuất khớp với dữ liệu gốc.")
            return
        counts = [table.rows_text(table.rebuild()) for table in tables]
        self.stdout.write(f"Đã tính lại {_and(counts)}.")
