"""``nongthonso coops_notices [--today DATE] [--days N]``: tell co-operatives and their offices of the certifications
(VietGAP, organic …) ending within 30 days, once per certification (``coops.certifications``). Run daily, e.g.:

    20 6 * * *  cd /srv/nongthonso && .venv/bin/nongthonso coops_notices >> /var/log/nongthonso/coops_notices.log 2>&1
"""

from django.core.management.base import BaseCommand, CommandError

from nongthonso.coops.certifications import NOTICE_DAYS, send_expiry_notices
from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import parse_date


class Command(BaseCommand):
    help = "Báo trước cho hợp tác xã và cơ quan quản lý các chứng nhận (VietGAP, hữu cơ …) sắp hết hạn (mỗi chứng " \
           "nhận một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="coi hôm nay là ngày này (YYYY-MM-DD hoặc ngày/tháng/năm)")
        parser.add_argument("--days", type=int, default=NOTICE_DAYS,
                            help=f"báo các chứng nhận hết hạn trong số ngày này (mặc định {NOTICE_DAYS})")

    def handle(self, *args, today=None, days=NOTICE_DAYS, **options):
        day = None
        if today:
            day = parse_date(today)
            if day is None:
                raise CommandError(f"--today «{today}» không phải ngày; ghi dạng 2025-08-15 hoặc 15/8/2025.")
        if days < 1:
            raise CommandError("--days phải từ 1 trở lên.")
        noticed = send_expiry_notices(day, days)
        for certification in noticed:
            self.stdout.write(f"Đã báo: {certification.cooperative.name} — {certification}, hết hạn "
                              f"{format_date(certification.valid_until)}")
        self.stdout.write(f"{len(noticed)} chứng nhận được báo sắp hết hạn.")
