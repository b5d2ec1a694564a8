import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nongthonso.core import registry
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


SUMMARY_ONLY = ("unit", "as_of", "nhom", "period_start", "number", "document_date", "signer")


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


class Command(BaseCommand):
    help = ("Báo cáo tổng hợp: nongthonso report summary --unit 19 --as-of 2023-06-30 --format text|json, "
            "hoặc --format xlsx|docx|pdf --output TỆP; các loại báo cáo khác do các ứng dụng đăng ký, ví dụ "
            "nongthonso report training --course MÃ_KHOÁ --format json")

    def add_arguments(self, parser):
        kinds = registry.entries(registry.ReportKind)
        parser.add_argument("kind", choices=["summary", *(k.code for k in kinds)], help="loại báo cáo")
        parser.add_argument("--unit", help="mã GSO của đơn vị (mặc định: tỉnh của hệ thống, NONGTHONSO_HOME_PROVINCE)")
        parser.add_argument("--as-of", help="ngày báo cáo YYYY-MM-DD (mặc định: hôm nay)")
        parser.add_argument("--nhom", choices=groupings.CHOICES,
                            help="tỉnh hai cấp: nhóm các xã theo huyện cũ (huyen-cu) hoặc nhóm xã (nhom-xa); mặc định "
                                 "NONGTHONSO_REPORT_GROUPING")
        parser.add_argument("--from", dest="period_start", help="đầu kỳ YYYY-MM-DD (mặc định 1/1 cùng năm)")
        formats = dict.fromkeys(["text", "json", *documents.FORMATS, *(f for k in kinds for f in k.formats)])
        parser.add_argument("--format", choices=list(formats), default="text")
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
        # the options of the registered kinds; one the summary has already (--unit …) is shared
        taken = {flag for action in parser._actions for flag in action.option_strings}
        for entry in kinds:
            group = parser.add_argument_group(f"báo cáo {entry.code}: {entry.label}")
            for option in entry.options:
                if _flag(option.name) not in taken:
                    taken.add(_flag(option.name))
                    group.add_argument(_flag(option.name), dest=option.name, help=option.help)

    def handle(self, *args, kind, unit, as_of, period_start, format, output, nhom=None, **options):
        options.update(unit=unit, as_of=as_of, period_start=period_start, nhom=nhom)
        if kind != "summary":
            self._registered(registry.get(registry.ReportKind, kind), format, output, options)
            return
        theirs = {o.name for k in registry.entries(registry.ReportKind) for o in k.options} - set(SUMMARY_ONLY)
        given = sorted(name for name in theirs if options.get(name) is not None)
        if given:
            raise CommandError(f"Tuỳ chọn {_flag(given[0])} không dùng cho báo cáo summary.")
        if format not in ("text", "json", *documents.FORMATS):
            raise CommandError(f"Báo cáo summary không có định dạng {format}; chọn một trong: text, json, "
                               f"{', '.join(documents.FORMATS)}.")
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

    def _registered(self, entry: registry.ReportKind, fmt: str, output: str | None, options: dict) -> None:
        """A report another app registered (``core.registry.ReportKind``): its own options only, its formats."""
        own = {o.name for o in entry.options}
        wrong = [name for name in SUMMARY_ONLY if options.get(name) and name not in own]
        if wrong:
            accepted = ", ".join(_flag(o.name) for o in entry.options) or "không tuỳ chọn nào"
            raise CommandError(f"Tuỳ chọn {_flag(wrong[0])} chỉ dùng cho báo cáo summary; báo cáo {entry.code} "
                               f"nhận: {accepted}.")
        if fmt not in entry.formats:
            raise CommandError(f"Báo cáo {entry.code} không có định dạng {fmt}; chọn một trong: "
                               f"{', '.join(entry.formats)}.")
        values = {o.name: options.get(o.name) for o in entry.options}
        missing = [o for o in entry.options if o.required and not values[o.name]]
        if missing:
            raise CommandError(f"Báo cáo {entry.code} cần {_flag(missing[0].name)}: {missing[0].help}")
        try:
            content = entry.build(fmt, **values)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc.args[0] if exc.args else exc)) from None
        if isinstance(content, str):
            if output:
                Path(output).write_text(content + "\n", encoding="utf-8")
            else:
                self.stdout.write(content)
            return
        if not output:
            raise CommandError(f"Định dạng {fmt} là tệp nhị phân: cần --output TỆP.")
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp «{output}»: {exc.strerror or exc}.") from None
        self.stderr.write(f"Đã ghi {output} ({len(content):,} byte).".replace(",", "."))
