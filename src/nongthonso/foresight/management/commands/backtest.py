"""``nongthonso backtest [--fit 2022-2024] [--test-year 2025] --format json|text``: fit the forecast on the earlier
years of the stored values, predict the later year, and score both the method and the naive baseline (last value
carried forward) by their Brier score, in the same run (``foresight.forecast.backtest``)."""

import json

from django.core.management.base import BaseCommand, CommandError

from nongthonso.criteria.models import CriteriaSet
from nongthonso.foresight.forecast import backtest
from nongthonso.units.models import Unit

DEFAULT_SET = "xa-ntm-2021-2025"


class Command(BaseCommand):
    help = ("Kiểm tra lại phương pháp dự báo: ước lượng trên các năm trước, dự báo năm sau, so điểm Brier với cách "
            "dự báo đơn giản (giữ nguyên giá trị năm gần nhất).")

    def add_arguments(self, parser):
        parser.add_argument("--set", dest="set_code", default=DEFAULT_SET,
                            help=f"mã bộ tiêu chí (mặc định {DEFAULT_SET})")
        parser.add_argument("--fit", default="2022-2024", help="các năm dùng để ước lượng, dạng 2022-2024")
        parser.add_argument("--test-year", dest="test_year", type=int, default=2025, help="năm dự báo để so")
        parser.add_argument("--format", choices=("json", "text"), default="text")

    def handle(self, *args, set_code, fit, test_year, format="text", **options):
        first, _, last = fit.partition("-")
        try:
            years = list(range(int(first), int(last or first) + 1))
        except ValueError:
            raise CommandError(f"--fit «{fit}» không đọc được; ghi dạng 2022-2024.") from None
        if len(years) < 2 or years[-1] >= test_year:
            raise CommandError("--fit cần ít nhất hai năm, đều trước --test-year.")
        cset = CriteriaSet.objects.filter(code=set_code).order_by("-version").first()
        if cset is None:
            raise CommandError(f"Không có bộ tiêu chí «{set_code}»; kiểm tra mã (nongthonso criteria liệt kê các bộ).")
        units = list(Unit.objects.filter(assessments__criteria_set__code=set_code, assessments__year=test_year)
                     .distinct().order_by("code"))
        if not units:
            raise CommandError(f"Chưa có hồ sơ năm {test_year} theo bộ «{set_code}» để so.")
        data = backtest(units, cset, years, test_year)
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Kiểm tra lại dự báo: ước lượng {years[0]}-{years[-1]}, dự báo {test_year}, "
                          f"{data['communes']} xã, bộ {set_code} (điểm Brier, càng nhỏ càng tốt)")
        for key, label in (("commune", "Xã đạt chuẩn"), ("indicator", "Chỉ tiêu đạt")):
            s = data[key]
            self.stdout.write(f"  {label}: phương pháp {s['method']} · giữ nguyên năm trước {s['baseline']} "
                              f"(làm trơn {s['baseline_smoothed']}) · {s['cases']} trường hợp, {s['events']} đạt")
