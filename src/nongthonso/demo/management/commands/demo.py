from django.core.management import call_command
from django.core.management.base import BaseCommand

from nongthonso.demo import history
from nongthonso.demo.thai_nguyen import build
from nongthonso.units.models import Unit


class Command(BaseCommand):
    help = ("Tạo (hoặc làm mới) dữ liệu minh họa tỉnh Thái Nguyên: 6 tháng đầu năm 2023 (ba cấp, bộ tiêu chí "
            "2021-2025) và năm 2026 (hai cấp, bộ tiêu chí 2026-2030).")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="chỉ tạo khi cơ sở dữ liệu chưa có đơn vị hành chính nào")
        parser.add_argument("--no-history", dest="no_history", action="store_true",
                            help="không thêm số liệu minh họa năm 2024 (lịch sử cho dự báo)")

    def handle(self, *args, if_empty=False, no_history=False, **options):
        call_command("migrate", verbosity=0, interactive=False)
        if if_empty and Unit.objects.exists():
            self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; bỏ qua việc tạo dữ liệu minh họa.")
            return
        build(stdout=self.stdout)
        if not no_history:
            history.build(say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Đã tạo dữ liệu minh họa Thái Nguyên (30/6/2023 và năm 2026)."))
