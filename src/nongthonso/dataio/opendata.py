"""Open data: public CSV and JSON downloads of published figures (``/du-lieu-mo/``).

Three data sets, each for a root unit (the province by default) as of a date, computed by the same
functions as the public pages (``reports.selectors`` with ``published=True``): decisions and units are
public; every figure taken from assessments counts only published ones (approved or recognised dossiers,
``selectors.published_assessments``).

- ``xa-dat-chuan`` — recognised communes: one row per commune and level it holds on the date, with the
  deciding decision (``selectors.recognised_communes``);
- ``theo-huyen`` — figures by district (``selectors.group_table``): the district in force in the three-tier years;
  for a two-tier province (from 1/7/2025) the grouping the province chose (``units.groupings``: the former
  district from lineage by default, labelled «… (cũ)», or the commune group), named in the column ``grouping``;
- ``theo-nam`` — figures by year: communes and NTM communes at each year's end, average criteria met
  (``selectors.trend``).

The JSON carries the rows with the data set's metadata (unit, date, field descriptions, source); the CSV
carries the same rows under a header of the field names (UTF-8 with a byte-order mark for Excel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from nongthonso.reports import selectors
from nongthonso.units.services import find_unit

TREND_YEARS = 8


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    fields: tuple[tuple[str, str], ...]  # (name, description)


DATASETS = {
    "xa-dat-chuan": Dataset(
        "xa-dat-chuan", "Xã đạt chuẩn nông thôn mới",
        "Mỗi dòng là một xã và một mức đạt chuẩn xã giữ vào ngày số liệu, kèm quyết định công nhận.",
        (("level", "mã mức đạt chuẩn (xa_ntm, xa_ntm_nang_cao, xa_ntm_kieu_mau, xa_ntm_hien_dai)"),
         ("level_name", "tên mức đạt chuẩn"),
         ("commune_code", "mã GSO của xã"), ("commune_name", "tên xã"),
         ("district_code", "mã GSO của huyện (tỉnh hai cấp: huyện cũ theo lịch sử đơn vị, hoặc số nhóm xã)"),
         ("district_name", "tên huyện (tỉnh hai cấp: «… (cũ)», hoặc tên nhóm xã)"),
         ("decision_number", "số, ký hiệu quyết định công nhận"),
         ("decision_date", "ngày ban hành quyết định (YYYY-MM-DD)"),
         ("decision_authority", "cơ quan ban hành"),
         ("provisional", "true: tạm giữ mức do sáp nhập từ các xã đều đã đạt chuẩn, chờ quyết định mới"),
         ("note", "ghi chú"))),
    "theo-huyen": Dataset(
        "theo-huyen", "Số liệu theo huyện",
        "Mỗi dòng là một huyện (tỉnh hai cấp: một huyện cũ theo lịch sử đơn vị, hoặc một nhóm xã theo Quyết định "
        "51/2025/QĐ-TTg, xem cột grouping): số xã, số xã đạt chuẩn các mức, bình quân tiêu chí đạt (hồ sơ đã công "
        "bố).",
        (("grouping", "cách nhóm: don-vi (huyện đang có), huyen-cu (huyện cũ theo lịch sử đơn vị), nhom-xa (nhóm xã)"),
         ("district_code", "mã GSO của huyện (hoặc số nhóm xã)"), ("district_name", "tên huyện (hoặc tên nhóm xã)"),
         ("communes", "số xã"), ("ntm", "số xã đạt chuẩn nông thôn mới"),
         ("ntm_pct", "tỷ lệ xã đạt chuẩn nông thôn mới (%)"),
         ("advanced", "số xã đạt chuẩn nông thôn mới nâng cao"), ("model", "số xã đạt chuẩn nông thôn mới kiểu mẫu"),
         ("communes_assessed", "số xã có hồ sơ đánh giá đã công bố"),
         ("avg_criteria", "bình quân số tiêu chí đạt mỗi xã (hồ sơ đã công bố)"),
         ("modern", "số xã nông thôn mới hiện đại"),
         ("note", "ghi chú: xã hình thành từ xã của nhiều huyện cũ"))),
    "theo-nam": Dataset(
        "theo-nam", "Số liệu theo năm",
        "Mỗi dòng là một năm: số xã và số xã đạt chuẩn nông thôn mới vào cuối năm (hoặc ngày số liệu), bình "
        "quân tiêu chí đạt theo hồ sơ đánh giá đã công bố của năm.",
        (("year", "năm"), ("date", "ngày tính số liệu (cuối năm, hoặc ngày số liệu nếu sớm hơn)"),
         ("communes", "số xã"), ("ntm", "số xã đạt chuẩn nông thôn mới"),
         ("communes_assessed", "số xã có hồ sơ đánh giá đã công bố trong năm"),
         ("avg_criteria", "bình quân số tiêu chí đạt mỗi xã"))),
}
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _recognised(root, as_of: dt.date) -> list[dict]:
    rows = []
    for listed in selectors.recognised_communes(root, as_of):
        for r in listed.rows:
            d = r.decision
            rows.append({
                "level": str(listed.level), "level_name": str(listed.label),
                "commune_code": r.commune.code, "commune_name": r.commune.name,
                "district_code": r.group.code if r.group else "",
                "district_name": r.group.name if r.group else "",
                "decision_number": d.number if d else "", "decision_date": d.date.isoformat() if d else "",
                "decision_authority": d.authority if d else "", "provisional": r.provisional, "note": r.note,
            })
    return rows


def _by_district(root, as_of: dt.date) -> list[dict]:
    scope = selectors.Scope(root, as_of, published=True)
    kind = scope.grouping.kind
    return [{"grouping": kind, "district_code": r.code, "district_name": r.name, "communes": r.communes, "ntm": r.ntm,
             "ntm_pct": r.ntm_pct, "advanced": r.advanced, "model": r.model, "communes_assessed": r.assessed,
             "avg_criteria": r.avg_criteria, "modern": r.modern, "note": r.note}
            for r in selectors.group_table(root, as_of, scope=scope)]


def _by_year(root, as_of: dt.date) -> list[dict]:
    years = range(as_of.year - TREND_YEARS + 1, as_of.year + 1)
    return [{"year": r["year"], "date": r["date"].isoformat(), "communes": r["communes"], "ntm": r["ntm"],
             "communes_assessed": r["assessed"], "avg_criteria": r["avg_criteria"]}
            for r in selectors.trend(root, years, as_of=as_of, published=True)]


COMPUTE = {"xa-dat-chuan": _recognised, "theo-huyen": _by_district, "theo-nam": _by_year}


def dataset(slug: str, code: str, as_of: dt.date) -> dict:
    """The data set ``slug`` for the unit ``code`` as of ``as_of``, with its metadata. Raises
    ``units.services.UnitNotFound`` (Vietnamese message) for an unknown unit; KeyError for an unknown slug."""
    meta = DATASETS[slug]
    root = find_unit(code, as_of)

    def compute() -> dict:
        return {
            "dataset": meta.slug, "title": meta.title, "description": meta.description,
            "unit": {"code": root.code, "name": root.name}, "as_of": as_of.isoformat(),
            "published_only": True,
            "source": "Nông thôn số — quyết định công nhận và hồ sơ đánh giá đã được tỉnh thẩm định hoặc công nhận.",
            "fields": [{"name": name, "description": text} for name, text in meta.fields],
            "rows": COMPUTE[slug](root, as_of),
        }

    return selectors.cached("open-data", (slug, root.pk, as_of.isoformat()), compute)


def to_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def to_csv(data: dict) -> bytes:
    buffer = io.StringIO()
    names = [f["name"] for f in data["fields"]]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    for row in data["rows"]:
        writer.writerow({k: ("true" if v is True else "false" if v is False else "" if v is None else v)
                         for k, v in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def filename(slug: str, code: str, as_of: dt.date, fmt: str) -> str:
    return f"{slug}-{code}-{as_of.isoformat()}.{fmt}"
