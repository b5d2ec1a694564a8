import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Serve the application with waitress, as in production: run it with ``DJANGO_DEBUG=0`` (``make run`` does), so
    an error shows the Vietnamese 404/500 pages, not Django's debug pages (which list the URL patterns and settings).
    DEBUG is for ``nongthonso runserver`` on a developer's machine; served with it on, this command says so."""

    help = ("Chạy ứng dụng web bằng máy chủ WSGI waitress (dùng cho cả máy thật; đặt DJANGO_DEBUG=0 như «make run»). "
            "Khi phát triển, dùng «nongthonso runserver».")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--trusted-proxy", default=os.environ.get("NONGTHONSO_TRUSTED_PROXY", ""), metavar="ĐỊA_CHỈ",
            help="địa chỉ IP của reverse proxy (nginx) được tin các header X-Forwarded-Proto/-For, ví dụ 127.0.0.1; "
                 "mặc định: biến môi trường NONGTHONSO_TRUSTED_PROXY. Không đặt: waitress xóa các header đó.")

    def handle(self, *args, host, port, threads, trusted_proxy, **options):
        from waitress import serve

        if settings.DEBUG:
            self.stderr.write("Cảnh báo: DJANGO_DEBUG=1 — trang lỗi gỡ rối (tiếng Anh) hiện danh sách đường dẫn và cấu "
                              "hình cho bất kỳ ai. Chỉ dùng khi phát triển; phục vụ người dùng với DJANGO_DEBUG=0 (như "
                              "«make run»).")
        else:  # before loading the app: WhiteNoise indexes STATIC_ROOT when it starts
            call_command("collectstatic", interactive=False, verbosity=0)
        from nongthonso.wsgi import application

        proxy = {}
        if trusted_proxy:  # behind nginx: the client's scheme (https) and address come from the proxy's headers
            proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
                     "clear_untrusted_proxy_headers": True}
        self.stdout.write(f"Nông thôn số đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng)")
        serve(application, host=host, port=port, threads=threads, ident="nongthonso", **proxy)
