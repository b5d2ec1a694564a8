"""``nongthonso units …``: load and inspect administrative units.

- ``units load-history``: Thái Nguyên from 2022 to the two-tier province, with lineage (idempotent).
- ``units list --on 2023-06-30 [--within 19] [--level xa] [--rural]``
- ``units show CODE [--on DATE]``: versions of a code, their ancestors and lineage.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from nongthonso.core.text import format_date
from nongthonso.core.vocabulary import DateInvalid, require_date
from nongthonso.units import services
from nongthonso.units.lineage import load_thai_nguyen_history
from nongthonso.units.models import Unit


def _date(text: str):
    try:
        return require_date(text)
    except DateInvalid as exc:
        raise CommandError(str(exc)) from None


def _span(unit: Unit) -> str:
    return f"{format_date(unit.valid_from)} – {format_date(unit.valid_to) if unit.valid_to else 'nay'}"


class Command(BaseCommand):
    help = "Nạp và tra cứu đơn vị hành chính (load-history, list, show)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-history", help="nạp lịch sử đơn vị hành chính Thái Nguyên")
        lst = sub.add_parser("list", help="đơn vị còn hiệu lực vào một ngày")
        lst.add_argument("--on", required=True, help="ngày (2023-06-30 hoặc 30/06/2023)")
        lst.add_argument("--within", help="mã đơn vị cấp trên (ví dụ 19)")
        lst.add_argument("--level", help="cấp: tinh, huyen, xa, xom")
        lst.add_argument("--rural", action="store_true", help="chỉ xã")
        show = sub.add_parser("show", help="các phiên bản của một mã và biến động")
        show.add_argument("code")
        show.add_argument("--on", help="chỉ phiên bản còn hiệu lực ngày này")

    def handle(self, *args, action, **opts):
        getattr(self, "_" + action.replace("-", "_"))(**opts)

    def _load_history(self, **opts):
        started = time.perf_counter()
        result = load_thai_nguyen_history()
        self.stdout.write(result.summary())
        for message in result.messages:
            self.stdout.write(message)
        self.stdout.write(f"({time.perf_counter() - started:.2f} giây)")

    def _list(self, on, within=None, level=None, rural=False, **opts):
        date = _date(on)
        parent = None
        if within:
            parent = services.unit_on(within, date)
            if parent is None:
                raise CommandError(f"Không có đơn vị mã {within} còn hiệu lực ngày {format_date(date)}.")
        qs = services.units_valid_on(date, within=parent, level=level)
        if rural:
            qs = qs.rural_communes()
        for unit in qs:
            self.stdout.write(f"{unit.code}\t{unit.name}\t{unit.parent.name if unit.parent_id else ''}")
        self.stdout.write(f"{qs.count()} đơn vị.")

    def _show(self, code, on=None, **opts):
        versions = Unit.objects.filter(code=code).with_ancestors().order_by("valid_from")
        if on:
            versions = versions.valid_on(_date(on))
        if not versions:
            raise CommandError(f"Không có đơn vị mã {code}.")
        for unit in versions:
            path = " › ".join(a.name for a in services.ancestors(unit))
            self.stdout.write(f"{unit.code} {unit.name} ({_span(unit)}){' — ' + path if path else ''}")
            for label, related in (("trước", services.predecessors_of(unit)),
                                   ("sau", services.successors_of(unit))):
                for other in related:
                    self.stdout.write(f"    {label}: {other.code} {other.name} ({_span(other)})")
