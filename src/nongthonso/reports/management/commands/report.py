import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongthonso.core.vocabulary import DateInvalid, require_date
from nongthonso.reports import documents
from nongthonso.reports.documents.figures import report_figures
from nongthonso.reports.documents.fonts import ReportFontMissing
from nongthonso.reports.documents.layout import (
    DEFAULT_AUTHORITY,
    DEFAULT_POSITION,
    DEFAULT_SYMBOL,
    DocumentOptions,
)
from nongthonso.reports.services import summary, summary_text
from nongthonso.units import groupings
from nongthonso.units.services import UnitNotFound


def parse_date(text: str) -> dt.date:
    try:
        return require_date(text)
    except DateInvalid as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = ("Báo cáo tổng hợp: nongthonso report summary --unit 19 --as-of 2023-06-30 --format text|json, "
            "hoặc --format xlsx|docx|pdf --output TỆP")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["summary"], help="loại báo cáo")
        parser.add_argument("--unit", help="mã GSO của đơn vị (mặc định: tỉnh của hệ thống, NONGTHONSO_HOME_PROVINCE)")
        parser.add_argument("--as-of", help="ngày báo cáo YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument("--nhom", choices=groupings.CHOICES,
                            help="tỉnh hai cấp: nhóm các xã theo huyện cũ (huyen-cu) hoặc nhóm xã (nhom-xa); mặc định "
                                 "NONGTHONSO_REPORT_GROUPING")
        parser.add_argument("--from", dest="period_start", help="đầu kỳ YYYY-MM-DD (mặc định 1/1 cùng năm)")
        parser.add_argument("--format", choices=["text", "json", *documents.FORMATS], default="text")
        parser.add_argument("--output", help="tệp kết quả (bắt buộc với xlsx, docx, pdf)")
        document = parser.add_argument_group("văn bản DOCX/PDF (Nghị định 30/2020/NĐ-CP)")
        document.add_argument("--number", default="", help="số văn bản, ví dụ 25 (để trống: điền khi ban hành)")
        document.add_argument("--symbol", default=DEFAULT_SYMBOL, help="ký hiệu, mặc định %(default)s")
        document.add_argument("--date", dest="document_date", help="ngày văn bản YYYY-MM-DD (mặc định: --as-of)")
        document.add_argument("--signer", default="", help="họ tên người ký")
        document.add_argument("--authority", default=DEFAULT_AUTHORITY,
                              help="thẩm quyền ký, mặc định «%(default)s»")
        document.add_argument("--position", default=DEFAULT_POSITION,
                              help="chức vụ người ký, mặc định «%(default)s»")
        document.add_argument("--recipient", action="append", default=[],
                              help="một nơi nhận (lặp lại cho nhiều nơi nhận)")

    def handle(self, *args, kind, unit, as_of, period_start, format, output, nhom=None, **options):
        unit = unit or settings.HOME_PROVINCE
        as_of = parse_date(as_of) if as_of else timezone.localdate()
        start = parse_date(period_start) if period_start else None
        if format in documents.FORMATS:
            self._write_file(format, output, unit, as_of, start, options, nhom)
            return
        try:
            data = summary(unit, as_of, start, grouping=nhom)
        except UnitNotFound as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(data.to_dict(), ensure_ascii=False, indent=2) if format == "json" else summary_text(data)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)

    def _write_file(self, fmt, output, unit, as_of, start, options, grouping=None):
        if not output:
            raise CommandError(f"Định dạng {fmt} là tệp nhị phân: cần --output TỆP, ví dụ "
                               f"--output {documents.filename(unit, as_of, fmt)}.")
        document = DocumentOptions(
            number=options["number"], symbol=options["symbol"],
            date=parse_date(options["document_date"]) if options["document_date"] else None,
            signer=options["signer"], authority=options["authority"], position=options["position"],
            recipients=options["recipient"])
        try:
            figures = report_figures(unit, as_of, period_start=start, grouping=grouping)
            content = documents.build(fmt, figures, document)
        except (UnitNotFound, ReportFontMissing) as exc:
            raise CommandError(str(exc)) from None
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp «{path}»: {exc.strerror or exc}.") from None
        self.stderr.write(f"Đã ghi {path} ({len(content):,} byte).".replace(",", "."))
