import json

from django.core.management.base import BaseCommand, CommandError

from nongthonso.assessments.evaluation import evaluate
from nongthonso.assessments.models import Assessment


class Command(BaseCommand):
    help = "Đánh giá một đơn vị: nongthonso evaluate --unit 05431 --year 2023 [--set xa-ntm-2021-2025]"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--set", dest="set_code", default="xa-ntm-2021-2025")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, unit, year, set_code, **options):
        assessment = (Assessment.objects.filter(unit__code=unit, year=year, criteria_set__code=set_code)
                      .select_related("unit", "criteria_set").order_by("-unit__valid_from").first())
        if assessment is None:
            raise CommandError(f"Không có bản đánh giá năm {year} theo bộ «{set_code}» cho đơn vị mã «{unit}».")
        result = evaluate(assessment).to_dict()
        result["unit"] = {"code": assessment.unit.code, "name": assessment.unit.name}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
