"""``nongthonso ocop_workflows transfer [--dry-run] [--today DATE]``: move every open rating dossier whose workflow
has ended (``ocop-148`` after 5/7/2025) to its successor (``ocop-1489``) now, rather than at its next step.

Each dossier goes through ``ocop.workflow.transfer`` — the move the dossier's next step or page would write: the row
locked and checked again, a «Chuyển sang quy trình mới» event with the reason, an audit entry (actor
``ocop_workflows``). ``--dry-run`` lists what would move and writes nothing. Prints each dossier and the count; safe
to run again (a dossier already moved is not due).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongthonso.audit.context import request_context
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date
from nongthonso.ocop import workflow
from nongthonso.ocop.models import Rating

ACTOR = "ocop_workflows"


def due(today) -> list[tuple[Rating, workflow.Position]]:
    """The open dossiers whose definition ended before ``today`` and that move to its successor, with where to."""
    ended = [d.code for d in workflow.definitions().values() if d.ended_before(today) and d.successor]
    found = []
    for rating in (Rating.objects.filter(workflow__in=ended, state__in=workflow.OPEN_STATES)
                   .select_related("product").order_by("year", "pk")):
        here = workflow.position(rating, today)
        if here.moving_from is not None:
            found.append((rating, here))
    return found


class Command(BaseCommand):
    help = ("Chuyển các hồ sơ đánh giá OCOP còn mở theo quy trình đã hết hiệu lực (Quyết định 148/QĐ-TTg, đến "
            "5/7/2025) sang quy trình tiếp nối (Quyết định 1489/QĐ-TTg).")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True, metavar="transfer")
        transfer = commands.add_parser("transfer", help="chuyển các hồ sơ còn mở sang quy trình tiếp nối")
        transfer.add_argument("--dry-run", action="store_true", help="chỉ liệt kê, không ghi gì")
        transfer.add_argument("--today", help="coi hôm nay là ngày này (YYYY-MM-DD hoặc ngày/tháng/năm)")

    def handle(self, *args, command=None, dry_run=False, today=None, **options):
        day = timezone.localdate()
        if today:
            day = parse_date(today)
            if day is None:
                raise CommandError(f"--today «{today}» không phải ngày; ghi dạng 2025-08-15 hoặc 15/8/2025.")
        moved = 0
        with request_context(actor=ACTOR):
            for rating, here in due(day):
                line = (f"hồ sơ {rating.pk} ({rating.product.name}, năm {rating.year}): {rating.workflow} "
                        f"{rating.state}@{rating.stage} → {here.definition.code} {here.state}@{here.stage}")
                if dry_run:
                    self.stdout.write(f"Sẽ chuyển {line}")
                    moved += 1
                elif workflow.transfer(rating, today=day) is not None:  # None: moved meanwhile by a step
                    self.stdout.write(f"Đã chuyển {line}")
                    moved += 1
        if dry_run:
            self.stdout.write(f"Chạy thử: {moved} hồ sơ sẽ được chuyển sang quy trình mới vào ngày "
                              f"{format_date(day)}; chưa ghi gì.")
        else:
            self.stdout.write(f"{moved} hồ sơ đã được chuyển sang quy trình mới vào ngày {format_date(day)}.")
