"""``nongthonso forecast --unit CODE --year YYYY [--level L] [--target 2030=65%] --format json|text``: the probability
that each commune of the unit meets the level by the year, its expected criteria met and main gaps, and the
province's expected count of communes beside its targets (``foresight.forecast``)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongthonso.core.vocabulary import parse_date
from nongthonso.criteria.choices import COMMUNE_LEVELS, Level
from nongthonso.foresight.forecast import DRAWS, ForecastError, report
from nongthonso.units.services import UnitNotFound, find_unit


class Command(BaseCommand):
    help = ("Dự báo khả năng các xã đạt chuẩn một mức đến một năm (xu hướng từng chỉ tiêu từ năm 2021, xác suất hiệu "
            "chỉnh trên lịch sử của tỉnh) và số xã đạt chuẩn kỳ vọng của tỉnh so với chỉ tiêu.")

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã GSO của xã, huyện hoặc tỉnh")
        parser.add_argument("--year", type=int, required=True, help="năm dự báo (sau năm hiện tại)")
        parser.add_argument("--level", default=Level.XA_NTM, choices=[str(level) for level in COMMUNE_LEVELS],
                            help="mức đạt chuẩn (mặc định xa_ntm)")
        parser.add_argument("--target", action="append", default=[],
                            help="chỉ tiêu của tỉnh: NĂM=SỐ_XÃ hoặc NĂM=TỶ_LỆ%% (lặp lại được), ví dụ 2030=65%%")
        parser.add_argument("--as-of", dest="as_of", help="ngày dữ liệu (mặc định hôm nay): lịch sử đến năm này")
        parser.add_argument("--draws", type=int, default=DRAWS,
                            help=f"số lần lấy mẫu bootstrap cho khoảng dự báo của một xã (mặc định {DRAWS})")
        parser.add_argument("--format", choices=("json", "text"), default="text")

    def handle(self, *args, unit, year, level, target, as_of=None, draws=DRAWS, format="text", **options):
        today = timezone.localdate()
        if as_of:
            today = parse_date(as_of)
            if today is None:
                raise CommandError(f"--as-of «{as_of}» không phải ngày; ghi dạng 2026-06-30 hoặc 30/6/2026.")
        if draws < 10:
            raise CommandError("--draws phải từ 10 trở lên.")
        try:
            found = find_unit(unit, today)
            data = report(found, year, level, today=today, targets=target, draws=draws)
        except (UnitNotFound, ForecastError) as exc:
            raise CommandError(str(exc)) from exc
        if format == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Dự báo đạt chuẩn «{level}» đến năm {year} — {data['name']} (bộ {data['criteria_set']}, "
                          f"lịch sử {data['history_years'][0]}-{data['history_years'][-1]}, xác suất hiệu chỉnh trên "
                          f"{data['calibration']['pairs']} cặp năm)"
                          + (" — số liệu minh họa" if data["synthetic_inputs"] else ""))
        for row in data["communes"]:
            gaps = "; ".join(f"{g['indicator']} {g['name']} (khả năng đạt {round(g['probability_met'] * 100)}%)"
                             for g in row["main_gaps"]) or "—"
            self.stdout.write(f"{row['unit']} {row['name']}: {round(row['probability'] * 100)}% · tiêu chí đạt kỳ "
                              f"vọng {row['expected_criteria_met']}/{row['criteria_total']} · thiếu chính: {gaps}")
        province = data["province"]
        self.stdout.write(f"{province['name']}: số xã đạt chuẩn kỳ vọng theo năm")
        for row in province["expectation"]:
            target_text = "" if row["target"] is None else f" · chỉ tiêu {row['target']} · còn thiếu {row['shortfall']}"
            self.stdout.write(f"  {row['year']}: {row['expected']}/{row['communes']}{target_text}")
