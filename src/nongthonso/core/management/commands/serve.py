from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy ứng dụng web bằng máy chủ WSGI waitress (dùng cho cả máy thật)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from nongthonso.wsgi import application

        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Nông thôn số đang chạy tại http://{host}:{port}/ (Ctrl+C để dừng)")
        serve(application, host=host, port=port, threads=threads, ident="nongthonso")
