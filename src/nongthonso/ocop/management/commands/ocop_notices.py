"""``nongthonso ocop_notices [--today DATE] [--days N]``: tell the producers and rating offices of the OCOP
certificates ending within 30 days (once per certificate; ``ocop.notices``). Run daily, e.g. from cron:

    15 6 * * *  cd /srv/nongthonso && .venv/bin/nongthonso ocop_notices >> /var/log/nongthonso/ocop_notices.log 2>&1
"""

from django.core.management.base import BaseCommand, CommandError

from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date
from nongthonso.ocop.notices import NOTICE_DAYS, send_expiry_notices


class Command(BaseCommand):
    help = "Báo trước cho chủ thể và cơ quan công nhận các giấy chứng nhận OCOP sắp hết hạn (mỗi giấy một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="coi hôm nay là ngày này (YYYY-MM-DD hoặc ngày/tháng/năm)")
        parser.add_argument("--days", type=int, default=NOTICE_DAYS,
                            help=f"báo các giấy hết hạn trong số ngày này (mặc định {NOTICE_DAYS})")

    def handle(self, *args, today=None, days=NOTICE_DAYS, **options):
        day = None
        if today:
            day = parse_date(today)
            if day is None:
                raise CommandError(f"--today «{today}» không phải ngày; ghi dạng 2025-08-15 hoặc 15/8/2025.")
        if days < 1:
            raise CommandError("--days phải từ 1 trở lên.")
        noticed = send_expiry_notices(day, days)
        for certificate in noticed:
            self.stdout.write(f"Đã báo: {certificate.product} — {certificate.stars} sao, quyết định "
                              f"{certificate.decision_number}, hết hạn {format_date(certificate.valid_until)}")
        self.stdout.write(f"{len(noticed)} giấy chứng nhận được báo sắp hết hạn.")
