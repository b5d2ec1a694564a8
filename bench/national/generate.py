"""A deterministic synthetic country for the national-scale benchmarks (issue 5).

    .venv/bin/python bench/national/generate.py [--communes 10000] [--force]

Writes into the configured database — ``DATABASE_URL``, else a SQLite file in
``$TMPDIR/nongthonso-national/`` (``NONGTHONSO_DATA_DIR``) — after ``migrate``:

- 63 provinces with GSO-like codes (01 … 96) named "Tỉnh Mô Phỏng NN", each with its socio-economic region;
  ~700 district-level units (one provincial city per province, some district towns, the rest rural
  districts); ~10,000 rural communes (type ``xa``) plus one township (``thi_tran``, not rural) per district;
  4-10 hamlets (``thon``) per rural commune. Every unit is flagged ``synthetic``;
- the real criteria catalogue (``criteria.catalogue.load_catalogue``);
- recognition decisions for ~70 % of the communes (NTM, then advanced and model for some, a few
  revocations), district decisions, model-hamlet decisions and registrations for 2024 and 2025;
- one assessment per commune and year 2021-2025 against the 2021-2025 commune set with every indicator
  (~10,000 × 57 × 5 ≈ 2.85 M values; 0.1 % left unknown, 0.5 % in the draft year), the years up to 2024
  approved and 2025 in draft;
  their results are computed with the vectorised engine (``criteria.engine.evaluate_batch``, one call per
  province and year) and stored in the same fields ``assessments.evaluation.evaluate_assessment`` stores —
  the generator checks a sample against ``evaluate_assessment``'s own evaluation before it finishes.

Rows are written with ``COPY`` on PostgreSQL and ``executemany`` on SQLite, in one transaction. Everything
comes from one seed: two runs give the same database. The generator refuses a database holding anything but
its own earlier output (``--force`` empties any database first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

SEED = 20250630
YEARS = tuple(range(2021, 2026))
DRAFT_YEAR = 2025  # the year in progress: dossiers still in draft
NAME = "Mô Phỏng"  # every generated name carries it
NOTE = "Dữ liệu mô phỏng (bench quốc gia), không phải số liệu thật"
SOURCE = "Số liệu mô phỏng"
MARKER_CODE = "01"  # the first province; its name says the database is ours
VALID_FROM = dt.date(2008, 8, 1)

# 63 province codes as GSO numbers them (01 … 96), with the region of Decision 318/QĐ-TTg of the province that
# holds the code today; names are synthetic.
REGIONS = {
    "DBSH": "01 22 26 27 30 31 33 34 35 36 37",
    "TDMNPB": "02 04 06 08 10 11 12 14 15 17 19 20 24 25",
    "BTB": "38 40 42 44 45 46",
    "DHNTB": "48 49 51 52 54 56 58 60",
    "TN": "62 64 66 67 68",
    "DNB": "70 72 74 75 77 79",
    "DBSCL": "80 82 83 84 86 87 89 91 92 93 94 95 96",
}
PROVINCES = sorted((code, region) for region, codes in REGIONS.items() for code in codes.split())
assert len(PROVINCES) == 63


def default_data_dir() -> Path:
    return Path(tempfile.gettempdir()) / "nongthonso-national"


def configure() -> None:
    """Django settings for a bench script: DATABASE_URL, else the bench's own SQLite file."""
    src = Path(__file__).resolve().parents[2] / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    if "DATABASE_URL" not in os.environ:
        os.environ.setdefault("NONGTHONSO_DATA_DIR", str(default_data_dir()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongthonso.settings")
    # production settings: DEBUG off (no SQL kept per query), as a deployment runs
    os.environ.setdefault("DJANGO_DEBUG", "0")
    if os.environ["DJANGO_DEBUG"] == "0":
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version} ({connection.settings_dict['NAME']})"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"PostgreSQL {version} ({connection.settings_dict['NAME']} on {connection.settings_dict.get('HOST')})"


# --- writing rows -------------------------------------------------------------------------------------------

class Writer:
    """Inserts rows with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self):
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now()
        self.rows = 0

    def datetime(self, value: dt.datetime):
        return value if self.pg else self.connection.ops.adapt_datetimefield_value(value)

    def date(self, value: dt.date | None):
        return value if (self.pg or value is None) else value.isoformat()

    def insert(self, model, fields: list[str], rows) -> int:
        meta = model._meta
        columns = [meta.get_field(f).column for f in fields]
        quote = self.connection.ops.quote_name
        table = quote(meta.db_table)
        cols = ", ".join(quote(c) for c in columns)
        n = 0
        with self.connection.cursor() as cursor:
            if self.pg:
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 50_000:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        self.rows += n
        return n


# --- the country --------------------------------------------------------------------------------------------

def _spread(rng: np.random.Generator, total: int, parts: int, low: int, high: int) -> list[int]:
    """``parts`` positive integers between about ``low`` and ``high`` that sum to ``total`` (≥ ``parts``)."""
    if total < parts:
        raise ValueError(f"cannot split {total} into {parts} positive parts")
    raw = rng.integers(low, high + 1, size=parts).astype(float)
    sizes = np.maximum(1, np.floor(raw * total / raw.sum())).astype(int)
    i = 0
    while sizes.sum() < total:
        sizes[i % parts] += 1
        i += 1
    while sizes.sum() > total:
        if sizes[i % parts] > 1:
            sizes[i % parts] -= 1
        i += 1
    return sizes.tolist()


class Country:
    """Units with preassigned ids (and paths) for bulk writing."""

    def __init__(self, rng: np.random.Generator, n_communes: int, n_districts: int, hamlets: tuple[int, int]):
        from nongthonso.core.text import fold, vi_sort_key
        from nongthonso.units.models import Unit, UnitType

        types = {t.code: t.pk for t in UnitType.objects.all()}
        self.rows: list[tuple] = []
        self.provinces: list[dict] = []
        self.districts: list[dict] = []
        self.communes: list[dict] = []  # rural communes only
        self.hamlets: list[dict] = []
        next_id = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

        def add(code, name, type_code, parent, **extra) -> dict:
            nonlocal next_id
            pk, next_id = next_id, next_id + 1
            path = (parent["path"] if parent else "/") + f"{pk}/"
            unit = {"id": pk, "code": code, "name": name, "path": path, "parent": parent, **extra}
            self.rows.append((pk, code, name, types[type_code], parent["id"] if parent else None, VALID_FROM, None,
                              extra.get("region", ""), extra.get("dbkk", False), extra.get("atk", False),
                              True, path, vi_sort_key(name), fold(f"{name} {code}")))
            return unit

        per_province = _spread(rng, n_districts, len(PROVINCES), 7, 16)
        per_district = _spread(rng, n_communes, n_districts, 6, 22)
        district_no, commune_no = 0, 0
        for (pcode, region), n_d in zip(PROVINCES, per_province, strict=True):
            province = add(pcode, f"Tỉnh {NAME} {pcode}", "tinh", None, region=region)
            province["region"] = region
            self.provinces.append(province)
            for i in range(n_d):
                district_no += 1
                dcode = f"{district_no:03d}"
                kind = "thanh_pho_thuoc_tinh" if i == 0 else ("thi_xa" if i == 1 and n_d >= 12 else "huyen")
                word = {"thanh_pho_thuoc_tinh": "Thành phố", "thi_xa": "Thị xã", "huyen": "Huyện"}[kind]
                district = add(dcode, f"{word} {NAME} {dcode}", kind, province, kind=kind)
                district["province"] = province
                self.districts.append(district)
                commune_no += 1
                add(f"{commune_no:05d}", f"Thị trấn {NAME} {commune_no:05d}", "thi_tran", district)
                for _ in range(per_district[district_no - 1]):
                    commune_no += 1
                    ccode = f"{commune_no:05d}"
                    dbkk = bool(rng.random() < 0.05)
                    atk = bool(not dbkk and rng.random() < 0.01)
                    commune = add(ccode, f"Xã {NAME} {ccode}", "xa", district, dbkk=dbkk, atk=atk)
                    commune.update(province=province, district=district, dbkk=dbkk, atk=atk)
                    self.communes.append(commune)
        for commune in self.communes:
            for h in range(1, int(rng.integers(hamlets[0], hamlets[1] + 1)) + 1):
                hamlet = add(f"{commune['code']}-T{h:02d}", f"Thôn {h} ({NAME} {commune['code']})", "thon", commune)
                hamlet["commune"] = commune
                self.hamlets.append(hamlet)

    def write(self, writer: Writer) -> int:
        from nongthonso.units.models import Unit

        fields = ["id", "code", "name", "unit_type", "parent", "valid_from", "valid_to", "region", "dac_biet_kho_khan",
                  "atk", "synthetic", "path", "sort_key", "search_text"]
        return writer.insert(Unit, fields, ((*r[:5], writer.date(r[5]), None, *r[7:]) for r in self.rows))


# --- decisions and registrations ----------------------------------------------------------------------------

class Decisions:
    """Recognition decisions (with their units) and registrations, all synthetic."""

    def __init__(self):
        self.decisions: list[tuple] = []  # (id, number, date, authority, kind, level, for_year)
        self.links: list[tuple[int, int]] = []  # (decision id, unit id)
        self.registrations: list[tuple] = []  # (unit id, level, year, registered_on)
        self.serial = 100

    def add(self, date: dt.date, authority: str, kind: str, level: str, for_year: int | None, unit_ids, *,
            suffix: str = "QĐ-UBND") -> None:
        self.serial += 1 + self.serial % 7
        pk = len(self.decisions) + 1
        self.decisions.append((pk, f"{self.serial}/{suffix}", date, authority, kind, level, for_year))
        self.links += [(pk, u) for u in unit_ids]

    def write(self, writer: Writer) -> int:
        from nongthonso.recognition.models import Decision, Registration

        n = writer.insert(Decision, ["id", "number", "date", "authority", "kind", "level", "for_year", "note",
                                     "synthetic"],
                          ((pk, num, writer.date(d), auth, kind, level, fy, NOTE, True)
                           for pk, num, d, auth, kind, level, fy in self.decisions))
        through = Decision.units.through
        n += writer.insert(through, ["id", "decision", "unit"],
                           ((i, d, u) for i, (d, u) in enumerate(self.links, start=1)))
        n += writer.insert(Registration, ["id", "unit", "target_level", "target_year", "registered_on", "note",
                                          "synthetic"],
                           ((i, u, lvl, y, writer.date(on), NOTE, True)
                            for i, (u, lvl, y, on) in enumerate(self.registrations, start=1)))
        return n


def _date_in(rng: random.Random, year: int, first_month: int = 1, last_month: int = 6) -> dt.date:
    return dt.date(year, rng.randint(first_month, last_month), rng.randint(1, 28))


def plan_statuses(rng: np.random.Generator, prng: random.Random, country: Country) -> tuple[Decisions, dict]:
    """Which commune holds which level from when; the decisions and registrations that say so.

    Returns the decisions and, per commune id, the list of (date, level or None) changes."""
    from nongthonso.criteria.choices import Level

    decisions = Decisions()
    n = len(country.communes)
    final = rng.choice(4, p=[0.28, 0.47, 0.19, 0.06], size=n)
    years = np.arange(2011, 2026)
    weights = np.linspace(1, 3, len(years))
    ntm_year = rng.choice(years, p=weights / weights.sum(), size=n)
    # (province id, level, kind, for_year) -> [(date, unit id)], grouped into decisions below
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, commune in enumerate(country.communes):
        if final[i] == 0:
            continue
        y = int(ntm_year[i])
        groups[(commune["province"]["id"], Level.XA_NTM, "recognition", y)].append(commune["id"])
        if final[i] >= 2:
            adv = min(max(y + int(rng.integers(2, 6)), 2019), 2024)
            if adv > y:
                groups[(commune["province"]["id"], Level.XA_NANG_CAO, "recognition", adv)].append(commune["id"])
                if final[i] == 3 and adv < 2024:
                    model = min(max(adv + int(rng.integers(1, 3)), 2021), 2024)
                    groups[(commune["province"]["id"], Level.XA_KIEU_MAU, "recognition", model)].append(commune["id"])
        elif y <= 2021 and rng.random() < 0.02:  # recognised, then failing: revoked later
            groups[(commune["province"]["id"], Level.XA_NTM, "revocation", 2022 + int(rng.integers(0, 3)))].append(
                commune["id"])
    provinces = {p["id"]: p for p in country.provinces}
    for (province_id, level, kind, year), unit_ids in sorted(groups.items()):
        authority = f"UBND {provinces[province_id]['name']}"
        for start in range(0, len(unit_ids), 5):
            chunk = unit_ids[start:start + 5]
            if year == 2025:  # recognised for 2025: decisions of the second half of 2025
                date = _date_in(prng, 2025, 9, 12)
            elif kind == "revocation":
                date = _date_in(prng, year, 3, 11)
            else:  # for year y: the following spring
                date = _date_in(prng, year + 1)
            decisions.add(date, authority, kind, level, year if kind == "recognition" else None, chunk)
    # districts: rural districts recognised NTM by the Prime Minister; cities and towns "hoàn thành nhiệm vụ"
    for district in country.districts:
        if district["kind"] == "huyen" and rng.random() < 0.35:
            year = int(rng.integers(2015, 2025))
            decisions.add(_date_in(prng, year + 1), "Thủ tướng Chính phủ", "recognition", Level.HUYEN_NTM, year,
                          [district["id"]], suffix="QĐ-TTg")
        elif district["kind"] != "huyen" and rng.random() < 0.5:
            year = int(rng.integers(2015, 2025))
            decisions.add(_date_in(prng, year + 1), "Thủ tướng Chính phủ", "recognition", Level.HOAN_THANH, year,
                          [district["id"]], suffix="QĐ-TTg")
    # model hamlets: 12 % of the hamlets of recognised communes, by district and year
    recognised = {u for key, ids in groups.items() if key[2] == "recognition" for u in ids}
    by_district: dict[tuple[int, int], list[int]] = defaultdict(list)
    for hamlet in country.hamlets:
        if hamlet["commune"]["id"] in recognised and rng.random() < 0.12:
            by_district[(hamlet["commune"]["district"]["id"], 2019 + int(rng.integers(0, 6)))].append(hamlet["id"])
    districts = {d["id"]: d for d in country.districts}
    for (district_id, year), ids in sorted(by_district.items()):
        decisions.add(_date_in(prng, year + 1, 1, 5), f"UBND {districts[district_id]['name']}", "recognition",
                      Level.XOM_KIEU_MAU, year, ids)
    # registrations for 2024 and 2025
    for i, commune in enumerate(country.communes):
        for year in (2024, 2025):
            target = {0: Level.XA_NTM, 1: Level.XA_NANG_CAO, 2: Level.XA_KIEU_MAU}.get(int(final[i]))
            if target is not None and rng.random() < (0.4, 0.2, 0.15)[int(final[i])]:
                decisions.registrations.append((commune["id"], target, year, dt.date(year, 1, prng.randint(5, 31))))
    return decisions, {"final": final}


# --- values and results -------------------------------------------------------------------------------------

def _held_ntm(decisions: Decisions, end: dt.date) -> set[int]:
    """Communes holding NTM (or above) on ``end``, from the planned decisions (for calibrating values)."""
    latest: dict[tuple[int, str], tuple[dt.date, int, str]] = {}
    by_id = {d[0]: d for d in decisions.decisions}
    for decision_id, unit_id in decisions.links:
        pk, _, date, _, kind, level, _ = by_id[decision_id]
        if date <= end and level.startswith("xa_"):
            key = (unit_id, level)
            if key not in latest or (date, pk) > latest[key][:2]:
                latest[key] = (date, pk, kind)
    return {unit for (unit, _), (_, _, kind) in latest.items() if kind == "recognition"}


def synthetic_values(rng: np.random.Generator, cs, thresholds: np.ndarray, fail_p: np.ndarray, unknown: float
                     ) -> list[list]:
    """Raw values: n lists of k Python values, None = unknown (the engine encodes them: ``evaluate_many_json``).

    Each criterion fails with the row's probability ``fail_p`` (one of its indicators misses its threshold)."""
    n, k = thresholds.shape
    failing = np.zeros((n, k), dtype=bool)
    for ci in range(len(cs.criteria_codes)):
        cols = np.flatnonzero(cs.indicator_criterion == ci)
        rows = np.flatnonzero(rng.random(n) < fail_p)
        failing[rows, cols[rng.integers(0, len(cols), size=len(rows))]] = True
    raw_columns = []
    u = rng.random((n, k))
    for j in range(k):
        t, fail, vt, op = thresholds[:, j], failing[:, j], cs.value_types[j], cs.comparators[j]
        if op == "in":
            cats, allowed = cs.categories[j], cs.allowed[j]
            ok = [c for c, a in zip(cats, allowed, strict=True) if a] or [cats[0]]
            bad = [c for c, a in zip(cats, allowed, strict=True) if not a] or [cats[0]]
            column = [bad[0] if f else ok[0] for f in fail.tolist()]
        elif vt == "boolean":
            want = np.where(np.isnan(t), True, t == 1.0)
            column = (want ^ fail).tolist()
        else:
            t0 = np.nan_to_num(t, nan=50.0)
            upper = np.full(n, 100.0) if vt == "percent" else np.maximum(t0 * 1.5, t0 + 5)
            if op in (">=", ">"):
                v = np.where(fail, t0 * (0.55 + 0.4 * u[:, j]), t0 + (0.05 + 0.85 * u[:, j]) * (upper - t0))
            else:
                v = np.where(fail, t0 * (1.15 + 0.65 * u[:, j]) + 0.5, t0 * (0.2 + 0.7 * u[:, j]))
            v = np.clip(v, 0, 100 if vt == "percent" else None)
            if vt == "number" and np.nanmax(t0) >= 1:
                v = np.where(fail == (op in (">=", ">")), np.floor(v), np.ceil(v))
                column = [int(x) for x in v.tolist()]
            else:
                v = np.round(v, 1)
                column = v.tolist()
        raw_columns.append(column)
    rows = [list(r) for r in zip(*raw_columns, strict=True)]
    gone = np.argwhere(rng.random((n, k)) < unknown)
    for r, j in gone.tolist():
        rows[r][j] = None
    return rows


def write_assessments(writer: Writer, rng: np.random.Generator, country: Country, decisions: Decisions,
                      say) -> tuple[int, int]:
    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.criteria.catalogue import compiled
    from nongthonso.criteria.engine import evaluate_many_json
    from nongthonso.criteria.models import CriteriaSet

    cset = CriteriaSet.objects.get(code="xa-ntm-2021-2025", superseded_by__isnull=True)
    indicator_ids = dict(cset.indicators.values_list("code", "pk"))
    by_province: dict[int, list[dict]] = defaultdict(list)
    for commune in country.communes:
        by_province[commune["province"]["id"]].append(commune)
    base_fail = rng.uniform(0.10, 0.40, size=len(country.communes))
    commune_index = {c["id"]: i for i, c in enumerate(country.communes)}
    assessment_id, value_id, n_assessments, n_values = 0, 0, 0, 0
    a_fields = ["id", "unit", "year", "criteria_set", "synthetic", "criteria_met", "criteria_failed",
                "criteria_unknown", "criteria_total", "eligible", "revoke", "results", "evaluated_at", "version",
                "state"]
    v_fields = ["id", "assessment", "indicator", "value", "source", "note", "updated_at", "updated_by"]
    now = writer.datetime(writer.now)
    for year in YEARS:
        t0 = time.perf_counter()
        held = _held_ntm(decisions, dt.date(year, 12, 31))
        state = Assessment.State.DRAFT if year == DRAFT_YEAR else Assessment.State.APPROVED
        a_rows, v_rows = [], []
        engine_s = 0.0
        for province in country.provinces:
            communes = by_province[province["id"]]
            cs = compiled(cset, province["code"])
            codes = [indicator_ids[c] for c in cs.indicator_codes]
            flags = [[f for f in ("dac_biet_kho_khan", "atk") if c[{"dac_biet_kho_khan": "dbkk", "atk": "atk"}[f]]]
                     for c in communes]
            classes_str = [cs.threshold_class(region=province["region"], group=None, flags=f) for f in flags]
            classes = np.array([cs.class_index(c) for c in classes_str])
            thresholds = cs.table[cs.year_index(year)][classes]
            fail_p = np.array([0.01 if c["id"] in held else
                               max(0.03, base_fail[commune_index[c["id"]]] - 0.04 * (year - 2021)) for c in communes])
            raw = synthetic_values(rng, cs, thresholds, fail_p, 0.005 if year == DRAFT_YEAR else 0.001)
            units = [({code: value for code, value in zip(cs.indicator_codes, row, strict=True) if value is not None},
                      year, province["region"], None, flag) for row, flag in zip(raw, flags, strict=True)]
            e0 = time.perf_counter()
            # what evaluate_assessment stores, from the engine's own bulk writer (one evaluate_batch per province)
            evaluated = evaluate_many_json(cs, units)
            engine_s += time.perf_counter() - e0
            for i, commune in enumerate(communes):
                assessment_id += 1
                results, text = evaluated[i]
                a_rows.append((assessment_id, commune["id"], year, cset.pk, True, results["criteria_met"],
                               results["criteria_failed"], results["criteria_unknown"], results["criteria_total"],
                               results["eligible"], results["revoke"], text, now, 1, state))
                for col, value in enumerate(raw[i]):
                    if value is not None:
                        value_id += 1
                        v_rows.append((value_id, assessment_id, codes[col], json.dumps(value), SOURCE, "", now, None))
        n_assessments += writer.insert(Assessment, a_fields, a_rows)
        n_values += writer.insert(IndicatorValue, v_fields, v_rows)
        say(f"  {year}: {len(a_rows):,} assessments, {len(v_rows):,} values "
            f"(engine {engine_s * 1000:.0f} ms, year {time.perf_counter() - t0:.1f} s)")
    return n_assessments, n_values


def check_sample(rng: np.random.Generator, sample: int = 25) -> None:
    """The stored results equal what ``evaluate_assessment`` computes for the same assessment."""
    from nongthonso.assessments.evaluation import evaluate
    from nongthonso.assessments.models import Assessment

    ids = list(Assessment.objects.order_by("pk").values_list("pk", flat=True))
    for pk in rng.choice(ids, size=min(sample, len(ids)), replace=False).tolist():
        a = Assessment.objects.select_related("unit", "criteria_set").get(pk=pk)
        fresh = evaluate(a)
        stored = (a.criteria_met, a.criteria_failed, a.criteria_unknown, a.criteria_total, a.eligible, a.revoke)
        wanted = (fresh.criteria_met, fresh.criteria_failed, fresh.criteria_unknown, fresh.criteria_total,
                  fresh.eligible, fresh.revoke)
        if stored != wanted or a.results != json.loads(json.dumps(fresh.to_dict())):
            raise RuntimeError(f"assessment {pk}: stored results differ from evaluate_assessment's")


# --- the whole ----------------------------------------------------------------------------------------------

def is_ours() -> bool | None:
    """None: no units, decisions, registrations or assessments (empty); True: this generator's country; False:
    anything else."""
    from nongthonso.assessments.models import Assessment
    from nongthonso.recognition.models import Decision, Registration
    from nongthonso.units.models import Unit

    if not any(m.objects.exists() for m in (Unit, Decision, Registration, Assessment)):
        return None
    first = Unit.objects.filter(code=MARKER_CODE, parent__isnull=True).values_list("name", flat=True).first()
    return first == f"Tỉnh {NAME} {MARKER_CODE}" and not Unit.objects.filter(synthetic=False).exists()


def generate(*, communes: int = 10_000, districts: int | None = None, seed: int = SEED, force: bool = False,
             say=print) -> dict:
    """Build the synthetic country in the configured database; returns counts and timings."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from nongthonso.assessments import standings
    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.criteria.catalogue import load_catalogue
    from nongthonso.recognition import spells
    from nongthonso.recognition.models import Decision, Registration
    from nongthonso.units.models import Unit
    from nongthonso.units.reference import ensure_reference_data

    started = time.perf_counter()
    timings: dict[str, float] = {}
    call_command("migrate", verbosity=0, interactive=False)
    ours = is_ours()
    if ours is False and not force:
        raise SystemExit("The database holds other data; the generator writes only into an empty database or one "
                         "it built (use --force to empty it first).")
    if ours is not None:
        say("Emptying the database (an earlier synthetic country) …")
        call_command("flush", verbosity=0, interactive=False)
    districts = districts or max(len(PROVINCES), round(communes * 0.07))
    communes = max(communes, 2 * districts)
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    writer = Writer()
    with transaction.atomic():
        t = time.perf_counter()
        ensure_reference_data()
        load_catalogue(actor="bench national generate")
        timings["catalogue"] = time.perf_counter() - t

        t = time.perf_counter()
        country = Country(rng, communes, districts, (4, 10))
        n_units = country.write(writer)
        timings["units"] = time.perf_counter() - t
        say(f"Units: {len(country.provinces)} provinces, {len(country.districts)} districts, "
            f"{len(country.communes):,} rural communes, {len(country.hamlets):,} hamlets ({n_units:,} rows) "
            f"in {timings['units']:.1f} s")

        t = time.perf_counter()
        decisions, _ = plan_statuses(rng, prng, country)
        n_dec = decisions.write(writer)
        timings["decisions"] = time.perf_counter() - t
        say(f"Decisions: {len(decisions.decisions):,} decisions, {len(decisions.links):,} unit links, "
            f"{len(decisions.registrations):,} registrations ({n_dec:,} rows) in {timings['decisions']:.1f} s")

        t = time.perf_counter()
        say("Assessments and values (engine: evaluate_batch per province and year):")
        n_assessments, n_values = write_assessments(writer, rng, country, decisions, say)
        timings["assessments"] = time.perf_counter() - t
        say(f"Assessments: {n_assessments:,}, values: {n_values:,} in {timings['assessments']:.1f} s "
            f"({n_values / timings['assessments']:,.0f} values/s, results included)")
        t = time.perf_counter()
        n_spells, n_standings = spells.rebuild(), standings.rebuild()  # the rows above bypassed the ORM's signals
        timings["derived"] = time.perf_counter() - t
        say(f"Derived rows: {n_spells:,} spells, {n_standings:,} standings in {timings['derived']:.1f} s")
        if writer.pg:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                        no_style(), [Unit, Decision, Decision.units.through, Registration, Assessment, IndicatorValue]):
                    cursor.execute(sql)
    t = time.perf_counter()
    with connection.cursor() as cursor:  # planner statistics, as after any bulk load
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - t
    t = time.perf_counter()
    check_sample(rng)
    timings["check"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    say(f"ANALYZE {timings['analyze']:.1f} s; sample of stored results = evaluate_assessment's "
        f"({timings['check']:.1f} s). Total {timings['total']:.1f} s, {writer.rows:,} rows.")
    return {"communes": len(country.communes), "districts": len(country.districts), "hamlets": len(country.hamlets),
            "units": n_units, "decisions": len(decisions.decisions), "assessments": n_assessments,
            "values": n_values, "rows": writer.rows, "timings": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=10_000, help="rural communes (default 10,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="empty a database holding other data first")
    args = parser.parse_args()
    configure()
    print(f"Database: {database_label()}", flush=True)
    generate(communes=args.communes, seed=args.seed, force=args.force, say=lambda s: print(s, flush=True))


if __name__ == "__main__":
    main()
