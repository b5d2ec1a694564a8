import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from nongthonso.reports.services import UnitNotFound, summary, summary_text


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Ngày «{text}» không hợp lệ. Dùng dạng YYYY-MM-DD, ví dụ 2023-06-30.") from None


class Command(BaseCommand):
    help = "Báo cáo tổng hợp: nongthonso report summary --unit 19 --as-of 2023-06-30 --format text|json"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["summary"], help="loại báo cáo")
        parser.add_argument("--unit", required=True, help="mã GSO của đơn vị (tỉnh: 19)")
        parser.add_argument("--as-of", default=dt.date.today().isoformat(), help="ngày báo cáo YYYY-MM-DD")
        parser.add_argument("--from", dest="period_start", help="đầu kỳ YYYY-MM-DD (mặc định 1/1 cùng năm)")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, kind, unit, as_of, period_start, format, **options):
        as_of = parse_date(as_of)
        start = parse_date(period_start) if period_start else None
        try:
            data = summary(unit, as_of, start)
        except UnitNotFound as exc:
            raise CommandError(str(exc)) from None
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(summary_text(data))
