"""Open data of the OCOP products: one row per product certified by a decision dated on or before the date, with the
certificate it rests on that date and its status (in force, expired, revoked) — computed from the certificates
alone (``public_queries.state_on``), for a root unit (the home province by default: the products whose commune, as
registered or in force on the date, lies under it).

Served three ways, the same rows:

- ``/san-pham-ocop/du-lieu-mo.csv|json?as_of=&unit=`` (public, listed on ``/du-lieu-mo/``): the JSON carries the
  data set's metadata and field descriptions, the CSV the same rows under a header of the field names — both written
  by the open-data writers of ``dataio.opendata`` (UTF-8 with a byte-order mark; text a spreadsheet could take for a
  formula neutralised by ``core.spreadsheets.csv_cell``);
- the export kind ``ocop_products`` (``nongthonso export ocop_products``, ``/xuat-du-lieu/``,
  ``/api/exports/ocop_products``): CSV or XLSX through ``dataio.exports``' formula-safe writers.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from nongthonso.core.dates import default_as_of
from nongthonso.core.registry import ExportRequest
from nongthonso.core.text import vi_sort_key
from nongthonso.dataio import opendata as base
from nongthonso.dataio.exports import NothingFound, Table
from nongthonso.reports.selectors import cached
from nongthonso.units.services import UnitNotFound, find_unit

from .models import Certificate, Product
from .public_queries import State, communes_of, state_on

SLUG = "san-pham-ocop"
TITLE = "Sản phẩm OCOP được công nhận"
DESCRIPTION = ("Mỗi dòng là một sản phẩm OCOP đã được công nhận đến ngày số liệu: hạng sao, chủ thể, xã, giấy "
               "chứng nhận và tình trạng của giấy vào ngày đó (còn hiệu lực, hết hạn, bị thu hồi).")
FIELDS = (
    ("code", "mã sản phẩm"), ("name", "tên sản phẩm"), ("group", "nhóm sản phẩm (Quyết định 148/QĐ-TTg)"),
    ("subgroup", "phân nhóm sản phẩm"), ("stars", "hạng sao ghi trên giấy chứng nhận (3, 4, 5)"),
    ("producer", "tên chủ thể"), ("producer_kind", "loại hình chủ thể (hợp tác xã, doanh nghiệp, tổ hợp tác, hộ "
                                                    "kinh doanh)"),
    ("commune_code", "mã GSO của xã, phường vào ngày số liệu (xã đã sáp nhập: xã mới)"),
    ("commune_name", "tên xã, phường vào ngày số liệu"),
    ("certificate_number", "số quyết định công nhận"), ("decision_date", "ngày quyết định công nhận (YYYY-MM-DD)"),
    ("issuing_authority", "cơ quan ban hành quyết định"),
    ("valid_until", "giấy chứng nhận có hiệu lực đến ngày (YYYY-MM-DD)"),
    ("status", "tình trạng vào ngày số liệu: con_hieu_luc, het_han, thu_hoi"),
    ("revoked_on", "ngày thu hồi (YYYY-MM-DD), nếu bị thu hồi"),
)
STATUS = {State.IN_FORCE: "con_hieu_luc", State.EXPIRED: "het_han", State.REVOKED: "thu_hoi"}
FORMATS = base.FORMATS


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def rows(root, day: dt.date) -> list[dict]:
    """The data set's rows for the unit ``root`` on ``day``, in Vietnamese order of the products' names. Four
    queries, and two per generation of lineage events."""
    products = list(Product.objects.filter(certificates__decision_date__lte=day).distinct()
                    .select_related("producer", "subgroup__group", "unit"))
    certificates: dict[int, list[Certificate]] = {}
    for c in (Certificate.objects.filter(product__in=[p.pk for p in products], decision_date__lte=day)
              .select_related("issuing_unit")):
        certificates.setdefault(c.product_id, []).append(c)
    places = communes_of((p.unit for p in products), day)
    found = []
    for p in products:
        communes = places[p.unit_id]
        if not any(c.path.startswith(root.path) for c in communes):
            continue
        state, c = state_on(certificates[p.pk], day)
        now = [x for x in communes if x.current] or list(communes[:1])
        found.append((p, {
            "code": p.code, "name": p.name, "group": p.subgroup.group.name, "subgroup": p.subgroup.name,
            "stars": c.stars, "producer": p.producer.name, "producer_kind": p.producer.get_kind_display(),
            "commune_code": ", ".join(x.code for x in now), "commune_name": ", ".join(x.name for x in now),
            "certificate_number": c.decision_number, "decision_date": _iso(c.decision_date),
            "issuing_authority": c.issuing_authority or (c.issuing_unit.name if c.issuing_unit else ""),
            "valid_until": _iso(c.valid_until), "status": STATUS[state],
            "revoked_on": _iso(c.revoked_on) if state == State.REVOKED else "",
        }))
    found.sort(key=lambda pair: (vi_sort_key(pair[0].name), pair[0].code))
    return [row for _, row in found]


def dataset(code: str, day: dt.date) -> dict:
    """The data set for unit ``code`` on ``day`` with its metadata (the shape of ``dataio.opendata.dataset``), once
    per data revision. Raises ``units.services.UnitNotFound`` (Vietnamese message) for an unknown unit."""
    root = find_unit(code, day)

    def compute() -> dict:
        return {
            "dataset": SLUG, "title": TITLE, "description": DESCRIPTION,
            "unit": {"code": root.code, "name": root.name}, "as_of": day.isoformat(),
            "source": "Nông thôn số — quyết định công nhận, giấy chứng nhận và quyết định thu hồi sản phẩm OCOP.",
            "fields": [{"name": name, "description": text} for name, text in FIELDS],
            "rows": rows(root, day),
        }

    return cached("ocop-open-data", (root.pk, day.isoformat()), compute)


def content(data: dict, fmt: str) -> bytes:
    return base.to_json(data) if fmt == "json" else base.to_csv(data)


def filename(data: dict, fmt: str) -> str:
    return base.filename(SLUG, data["unit"]["code"], dt.date.fromisoformat(data["as_of"]), fmt)


def export(request: ExportRequest) -> Table:
    """The export kind ``ocop_products``: the same rows for ``request.unit`` (default: the home province) on
    ``request.as_of`` (default: today). Certificates are public facts: not narrowed to the user's units."""
    day = request.as_of or default_as_of()
    try:
        data = dataset(request.unit or settings.HOME_PROVINCE, day)
    except UnitNotFound as exc:
        raise NothingFound(str(exc)) from exc
    names = [name for name, _ in FIELDS]
    return Table(title=TITLE[:31], header=names, rows=[[row[n] for n in names] for row in data["rows"]])
