"""``nongthonso export KIND …``: data in the formats ``nongthonso import`` reads, and Excel templates.

- ``export values --unit 19 --year 2023 --format csv|xlsx --output FILE``
- ``export units|commune_groups|decisions|registrations [--unit CODE] [--year YYYY] [--as-of DATE] --output FILE``
- ``export template --set xa-ntm-2021-2025 --output FILE.xlsx [--unit 19 --year 2023]``

KIND is a registered export kind (``core.registry.ExportKind``; other apps add theirs) or ``template``. The command
line exports as the system: every unit. The format defaults to the output file's extension (.xlsx → XLSX, otherwise
CSV). ``--output -`` writes CSV to standard output.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nongthonso.core import registry
from nongthonso.core.vocabulary import DateInvalid, require_date
from nongthonso.dataio import exports, workbook

TEMPLATE = "template"


def _kinds() -> tuple[str, ...]:
    return (*registry.codes(registry.ExportKind), TEMPLATE)


class Command(BaseCommand):
    @property
    def help(self) -> str:
        kinds = ", ".join(f"{kind.code} ({str(kind.label).lower()})" for kind in registry.entries(registry.ExportKind))
        return (f"Xuất dữ liệu theo đúng định dạng tệp nhập: {kinds} (values cần --unit và --year); hoặc tệp mẫu "
                "Excel của một bộ tiêu chí: template --set MÃ.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=_kinds(), help="loại dữ liệu: " + ", ".join(_kinds()))
        parser.add_argument("--unit", help="mã GSO của đơn vị (values: bắt buộc; các loại khác: lọc theo đơn vị)")
        parser.add_argument("--year", type=int, help="năm (values: bắt buộc; decisions: năm ban hành; "
                                                     "registrations: năm phấn đấu; template: năm điền sẵn)")
        parser.add_argument("--as-of", help="units: chỉ các phiên bản còn hiệu lực ngày YYYY-MM-DD")
        parser.add_argument("--set", dest="set_code", help="template: mã bộ tiêu chí, ví dụ xa-ntm-2021-2025")
        parser.add_argument("--format", choices=exports.FORMATS, help="csv hoặc xlsx (mặc định: theo đuôi tệp)")
        parser.add_argument("--output", required=True, help="tệp kết quả; «-» để in CSV ra màn hình")

    def handle(self, *args, kind, unit, year, as_of, set_code, format, output, **options):
        try:
            if kind == TEMPLATE:
                self._template(set_code, unit, year, output)
                return
            entry = registry.get(registry.ExportKind, kind)
            fmt = format or ("xlsx" if output.lower().endswith(".xlsx") else "csv")
            if fmt not in entry.formats:
                raise CommandError(f"«{entry.label}» không xuất được dạng {fmt.upper()}; dùng --format "
                                   f"{' hoặc '.join(entry.formats)}.")
            table = self._table(entry, unit, year, as_of)
            if output == "-":
                if fmt != "csv":
                    raise CommandError("Chỉ in được CSV ra màn hình; với XLSX hãy ghi ra tệp (--output TỆP.xlsx).")
                exports.write(table, "csv", sys.stdout.buffer)
                return
            path = Path(output)
            with path.open("wb") as out:
                exports.write(table, fmt, out)
        except exports.ExportError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp «{output}»: {exc.strerror or exc}.") from None
        self.stderr.write(f"Đã ghi {path} ({path.stat().st_size:,} byte).".replace(",", "."))

    def _table(self, entry: registry.ExportKind, unit, year, as_of) -> exports.Table:
        date = None
        if as_of:
            try:
                date = require_date(as_of)
            except DateInvalid as exc:
                raise CommandError(str(exc)) from None
        try:
            return entry.table(registry.ExportRequest(unit=unit or None, year=year, as_of=date))
        except exports.NeedsUnitAndYear as exc:
            raise CommandError(f"Xuất {exc.what} cần --unit và --year, ví dụ: nongthonso export {entry.code} "
                               f"--unit 19 --year 2023 --output {entry.file_name('csv')}") from None

    def _template(self, set_code, unit, year, output):
        if not set_code:
            raise CommandError("Cần --set MÃ_BỘ_TIÊU_CHÍ, ví dụ: nongthonso export template --set xa-ntm-2021-2025 "
                               "--output mau.xlsx")
        content = workbook.build_template(set_code, unit_code=unit, year=year)
        path = Path(output)
        path.write_bytes(content)
        self.stderr.write(f"Đã ghi {path} ({len(content):,} byte).".replace(",", "."))
