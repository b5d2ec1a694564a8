"""Import throughput and peak memory of ``nongthonso import values``, beside a raw bulk insert (issue 4).

    .venv/bin/python bench/import_values.py [--rows 100000 1000000] [--repeat 1] [--keep]

What it does, all on this machine:

1. a fresh data directory in /tmp with a SQLite database (or, when ``DATABASE_URL`` names a PostgreSQL
   server, a fresh database ``nongthonso_bench_…`` created on that server and dropped at the end):
   ``nongthonso migrate``, the criteria catalogue, and a synthetic province «99» with 10 districts and
   enough communes (imported with ``nongthonso import units``) for the largest file;
2. per size, a long-format values file (CSV, UTF-8): communes × years 2022–2025 × the 57 indicators of
   ``xa-ntm-2021-2025``, random but valid values («Đạt»/«Không đạt», percentages, money, numbers);
3. per size and repeat, each in a fresh Python process (so its peak RSS is its own), on the same database:
   - **raw**: the same file streamed with ``csv.reader``, codes mapped to ids with dicts, values encoded as
     JSON, and the rows inserted with one ``executemany`` of the sqlite3 cursor (SQLite) or ``COPY``
     (PostgreSQL) in one transaction — no validation, no audit, no evaluation; the assessments it needs
     are created before the clock starts;
   - **import**: ``assessments.imports.import_values(FILE)`` — what ``nongthonso import values FILE`` runs
     (check pass, write pass in one transaction, audit, evaluation of every assessment) — into a database
     without those assessments or values;
   after each run the values, assessments and audit entries are deleted again;
4. a table: rows/s, ratio import ÷ raw (goal ≥ 50%), peak RSS (``ru_maxrss``) and RSS growth during the
   run (peak − RSS before the file is opened), and the import's phases (check, write, evaluate). The
   goal on memory: the import's growth does not grow with the file beyond the 16 bytes a row of the
   duplicate check (a 64-bit key and a row number in typed arrays).

Exit status 1 when a goal is not met.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SET_CODE = "xa-ntm-2021-2025"
YEARS = (2022, 2023, 2024, 2025)
PROVINCE, DISTRICTS = "99", 10
GOAL = 0.5


# --- helpers run inside Django (subprocesses) ------------------------------------------------------------

def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongthonso.settings")
    import django

    django.setup()


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def setup(workdir: Path, communes: int) -> None:
    """Catalogue, synthetic units (through ``import units``), the indicator list for the generator."""
    _django()
    from django.core.management import call_command

    from nongthonso.criteria.catalogue import load_catalogue
    from nongthonso.criteria.models import CriteriaSet
    from nongthonso.units.reference import ensure_reference_data

    ensure_reference_data()
    load_catalogue()
    units = workdir / "units.csv"
    with units.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "type", "parent_code", "valid_from", "valid_to", "region"])
        w.writerow([PROVINCE, "Tỉnh Thử Nghiệm", "tinh", "", "2020-01-01", "", "TDMNPB"])
        for d in range(DISTRICTS):
            w.writerow([f"9{d:02d}", f"Huyện Thử {d + 1}", "huyen", PROVINCE, "2020-01-01", "", ""])
        for i in range(communes):
            w.writerow([f"{90000 + i:05d}", f"Xã Thử {i + 1}", "xa", f"9{i % DISTRICTS:02d}", "2020-01-01", "", ""])
    call_command("import", "units", str(units), stdout=open(os.devnull, "w"))  # noqa: SIM115
    cset = CriteriaSet.objects.get(code=SET_CODE, superseded_by__isnull=True)
    indicators = [(i.code, i.value_type, i.categories) for i in cset.indicators.order_by("position")]
    (workdir / "indicators.json").write_text(json.dumps(indicators), encoding="utf-8")


def generate(path: Path, rows: int, indicators: list, seed: int = 4) -> None:
    rng = random.Random(seed)
    per_commune = len(YEARS) * len(indicators)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit_code", "year", "indicator_code", "value", "note", "source", "set"])
        n = 0
        for i in range((rows + per_commune - 1) // per_commune):
            code = f"{90000 + i:05d}"
            for year in YEARS:
                for ind_code, value_type, categories in indicators:
                    if n == rows:
                        return
                    if value_type == "boolean":
                        value = "Đạt" if rng.random() < 0.9 else "Không đạt"
                    elif value_type == "percent":
                        value = f"{rng.uniform(40, 100):.1f}"
                    elif value_type == "money":
                        value = f"{rng.uniform(20, 90):.2f}"
                    elif value_type == "category":
                        value = rng.choice(categories)
                    else:
                        value = str(rng.randint(0, 20))
                    w.writerow([code, year, ind_code, value, "", "bench", SET_CODE])
                    n += 1


def raw(path: Path) -> dict:
    """Stream the file into the values table with one executemany (SQLite) or COPY (PostgreSQL)."""
    _django()
    from django.db import connection, transaction
    from django.utils import timezone

    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.criteria.models import CriteriaSet
    from nongthonso.units.models import Unit

    cset = CriteriaSet.objects.get(code=SET_CODE, superseded_by__isnull=True)
    units = dict(Unit.objects.filter(code__startswith="9", unit_type__code="xa").values_list("code", "pk"))
    Assessment.objects.bulk_create([Assessment(unit_id=pk, year=y, criteria_set=cset)
                                    for pk in units.values() for y in YEARS], batch_size=2000)
    assessment = {(u, y): pk for pk, u, y in Assessment.objects.filter(criteria_set=cset)
                  .values_list("pk", "unit__code", "year")}
    indicator = dict(cset.indicators.values_list("code", "pk"))
    now = IndicatorValue._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    table = connection.ops.quote_name(IndicatorValue._meta.db_table)
    columns = "assessment_id, indicator_id, value, source, note, updated_at, updated_by_id"
    truthy = {"Đạt": True, "Không đạt": False}

    def rows():
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for unit_code, year, code, value, note, source, _ in reader:
                v = truthy.get(value)
                if v is None:
                    v = float(value)
                yield assessment[(unit_code, int(year))], indicator[code], json.dumps(v), source, note, now, None

    before = _rss_kb()
    start = time.perf_counter()
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
                    count += 1
        else:  # a plain sqlite3 cursor: Django's cursor class tee()s a generator, keeping every row in memory
            plain = connection.connection.cursor()
            plain.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
            plain.close()
            count = IndicatorValue.objects.count()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": count, "peak_kb": _peak_kb(), "before_kb": before}


def run_import(path: Path) -> dict:
    _django()
    from nongthonso.assessments.imports import import_values

    phases: dict[str, float] = {}

    def progress(phase, rows, done, total):
        phases.setdefault(phase, time.perf_counter())

    before = _rss_kb()
    start = time.perf_counter()
    result = import_values(path, progress=progress)
    end = time.perf_counter()
    marks = [("check", start), *sorted(((p, t) for p, t in phases.items() if p != "check"), key=lambda x: x[1]),
             ("end", end)]
    timing = {marks[i][0]: marks[i + 1][1] - marks[i][1] for i in range(len(marks) - 1)}
    return {"seconds": end - start, "rows": result.created + result.updated + result.unchanged,
            "created": result.created, "peak_kb": _peak_kb(), "before_kb": before, "phases": timing}


def clean() -> dict:
    _django()
    from django.db import connection, transaction

    from nongthonso.assessments.models import Assessment, IndicatorValue
    from nongthonso.audit.models import AuditEntry

    with transaction.atomic():
        IndicatorValue.objects.all().delete()
        Assessment.objects.all().delete()
        AuditEntry.objects.filter(model="assessments.assessment").delete()
    with connection.cursor() as cursor:  # both kinds of run start from a database without free pages
        cursor.execute("VACUUM" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {}


# --- the driver -------------------------------------------------------------------------------------------

def _child(env: dict, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def _postgres_database(url: str) -> tuple[str, str, str]:
    """Create a fresh database on the server of ``url``; returns (its URL, its name, the admin URL)."""
    import psycopg

    name = f"nongthonso_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}", name, url


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="nongthonso-bench-import-"))
    env = {**os.environ, "NONGTHONSO_DATA_DIR": str(workdir), "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "bench-" + secrets.token_hex(8), "PYTHONPATH": str(ROOT / "src")}
    pg = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], name, admin = _postgres_database(url)
        pg = (admin, name)
    else:
        env.pop("DATABASE_URL", None)
    try:
        script = Path(sys.executable).with_name("nongthonso")
        subprocess.run([str(script), "migrate", "--noinput"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        communes = -(-max(args.rows) // (len(YEARS) * 57))
        t = time.perf_counter()
        _child(env, "_setup", str(workdir), str(communes))
        print(f"set-up: {communes} synthetic communes in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        indicators = json.loads((workdir / "indicators.json").read_text(encoding="utf-8"))
        results = []
        for rows in args.rows:
            path = workdir / f"values-{rows}.csv"
            generate(path, rows, indicators)
            size = path.stat().st_size
            _child(env, "_clean")
            for repeat in range(args.repeat):
                if repeat % 2 == 0:  # alternate which goes first
                    r = _child(env, "_raw", str(path))
                    _child(env, "_clean")
                    i = _child(env, "_import", str(path))
                    _child(env, "_clean")
                else:
                    i = _child(env, "_import", str(path))
                    _child(env, "_clean")
                    r = _child(env, "_raw", str(path))
                    _child(env, "_clean")
                assert r["rows"] == rows and i["rows"] == rows == i["created"], (r, i)
                results.append((rows, size, r, i))
                print(f"{rows:>9,} rows: raw {rows / r['seconds']:>9,.0f}/s, import {rows / i['seconds']:>9,.0f}/s "
                      f"({i['phases']})", file=sys.stderr)
    finally:
        if pg:
            _drop_postgres(*pg)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    engine = "PostgreSQL (COPY)" if pg else "SQLite (executemany)"
    print(f"\nDatabase: {engine}; CPython {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs\n")
    print("| rows | file | raw rows/s | import rows/s | import ÷ raw | import: check / write / evaluate | "
          "peak RSS raw | peak RSS import | import RSS growth |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    growth: dict[int, int] = {}
    for rows, size, r, i in results:
        p = i["phases"]
        print(f"| {rows:,} | {size / 1e6:.0f} MB | {rows / r['seconds']:,.0f} | {rows / i['seconds']:,.0f} | "
              f"{r['seconds'] / i['seconds']:.0%} | {p.get('check', 0):.1f} / {p.get('write', 0):.1f} / "
              f"{p.get('evaluate', 0):.1f} s | {mib(r['peak_kb'])} | {mib(i['peak_kb'])} | "
              f"{mib(i['peak_kb'] - i['before_kb'])} |")
        growth[rows] = max(growth.get(rows, 0), i["peak_kb"] - i["before_kb"])
    ok = True
    print("\nBest of the runs (the machine's other load only ever slows a run down):\n")
    print("| rows | raw rows/s | import rows/s | import ÷ raw | goal ≥ 50% |")
    print("|---:|---:|---:|---:|---|")
    for rows in sorted(growth):
        raw_best = min(r["seconds"] for n, _, r, _ in results if n == rows)
        import_best = min(i["seconds"] for n, _, _, i in results if n == rows)
        ratio = raw_best / import_best
        ok &= ratio >= GOAL
        print(f"| {rows:,} | {rows / raw_best:,.0f} | {rows / import_best:,.0f} | {ratio:.0%} | "
              f"{'met' if ratio >= GOAL else 'NOT met'} |")
    sizes = sorted(growth)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        extra_kb = growth[large] - growth[small]
        arrays_kb = (large - small) * 16 / 1024
        flat = extra_kb <= arrays_kb * 3 + 16 * 1024  # the duplicate check (and its sort), 16 MiB of slack
        ok &= flat
        print(f"\nMemory: the import's RSS growth is {mib(growth[small])} for {small:,} rows and {mib(growth[large])} "
              f"for {large:,} rows: +{mib(extra_kb)} for {large - small:,} more rows, of which the duplicate "
              f"check's arrays are {arrays_kb / 1024:.0f} MiB (and, for a moment, as much again to sort them) — "
              f"{'flat apart from them' if flat else 'NOT flat'}.")
    print(f"\nGoal: import ≥ {GOAL:.0%} of raw throughput and memory flat in file size — "
          f"{'met' if ok else 'NOT met'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        sys.path.insert(0, str(ROOT / "src"))
        step, rest = sys.argv[1], sys.argv[2:]
        if step == "_setup":
            setup(Path(rest[0]), int(rest[1]))
            print("{}")
        elif step == "_raw":
            print(json.dumps(raw(Path(rest[0]))))
        elif step == "_import":
            print(json.dumps(run_import(Path(rest[0]))))
        elif step == "_clean":
            print(json.dumps(clean()))
        sys.exit(0)
    sys.exit(main())
