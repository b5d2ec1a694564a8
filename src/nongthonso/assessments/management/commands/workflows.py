"""``nongthonso workflows load`` · ``nongthonso workflows transfer [--date YYYY-MM-DD]``"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nongthonso.assessments import definitions, workflow
from nongthonso.assessments.models import Workflow
from nongthonso.audit.context import request_context
from nongthonso.audit.services import record
from nongthonso.core.vocabulary import DateInvalid, require_date


class Command(BaseCommand):
    help = ("Dossier workflows: «load» (re)loads assessments/workflows/*.yaml into the database; «transfer» moves "
            "the dossiers still in progress under a workflow that has ended (e.g. the three-tier flow on 30/6/2025) "
            "to its successor, recording why on each.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("load", help="nạp lại các quy trình từ tệp")
        transfer = sub.add_parser("transfer", help="chuyển hồ sơ của quy trình đã hết hiệu lực")
        transfer.add_argument("--date", help="ngày xét (mặc định: hôm nay), YYYY-MM-DD")

    def handle(self, *args, what, **options):
        with request_context(actor="nongthonso workflows"):
            if what == "load":
                try:
                    with transaction.atomic():
                        codes = definitions.load()
                        for row in Workflow.objects.filter(code__in=codes).prefetch_related("steps"):
                            record("import", row, after={"code": row.code, "valid_from": row.valid_from.isoformat(),
                                                         "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                                                         "steps": [step.action for step in row.steps.all()]},
                                   note="nongthonso workflows load (assessments/workflows/*.yaml)")
                except definitions.DefinitionError as exc:
                    raise CommandError(str(exc)) from exc
                self.stdout.write(f"Đã nạp {len(codes)} quy trình: {', '.join(codes)}.")
                return
            date = None
            if options.get("date"):
                try:
                    date = require_date(options["date"])
                except DateInvalid as exc:
                    raise CommandError(str(exc)) from None
            moved = workflow.transfer_ended(date)
            self.stdout.write(f"Đã chuyển {moved} hồ sơ sang quy trình kế tiếp.")
