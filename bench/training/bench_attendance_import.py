"""Attendance import from a video platform's report (issue 12): a 100,000-row Zoom participants report imported
beside a raw insert of the same rows, in the same run.

    .venv/bin/python bench/training/bench_attendance_import.py [--rows 100000] [--repeat 3] [--keep]
    DATABASE_URL=postgres://USER@HOST:PORT/postgres .venv/bin/python bench/training/bench_attendance_import.py

1. A fresh database: SQLite in a temporary directory, or — when ``DATABASE_URL`` names a PostgreSQL server — a fresh
   database ``nongthonso_bench_…`` on that server, dropped at the end (as ``bench/import_values.py``); migrated.
2. A synthetic course (a province «99», a main and a sub bridge point, one session) and ``--rows`` participants,
   then a Zoom participants report (``Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes),
   Guest, Recording Consent, In Waiting Room``) with one row per participant: 90% carry the participant's e-mail,
   5% only a name written without diacritics («Nguoi Thu 000020» for «Người Thử 000020»: matched by the folded
   name), 5% a dial-in number as the name («+84 912 000 021»: matched by phone).
3. Per repeat, order alternating, the session's attendance emptied before each:
   - **import** — ``training.attendance.import_attendance(FILE, session)``, what ``nongthonso import attendance FILE
     --session ID`` runs: the file streamed and checked row by row, the course's participants read into dicts, every
     row matched, the rows written (``core.bulk.insert_rows``: batches of 5,000, ``executemany`` / ``COPY``), one
     audit entry;
   - **raw** — the same file streamed with ``csv.reader``, each row's participant id looked up in a dict prepared
     before the clock starts (keyed by the row's e-mail or name cell exactly as written), and the rows inserted into
     the attendance table with one ``executemany`` of a plain ``sqlite3`` cursor (SQLite) or one ``COPY``
     (PostgreSQL), in one transaction: no check, no matching, no audit.
4. Memory: one more import under ``tracemalloc`` (which slows Python down, so it is not timed): its peak, beside the
   raw insert's under the same tracing.

Prints rows/s of both, the ratio (goal ≥ 50% of raw), the best of the repeats (the machine's other load only ever slows
a run), and the peaks. Exit status 1 when the goal is not met.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "src"), str(HERE.parent)]
GOAL = 0.5
HEADER = ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest",
          "Recording Consent", "In Waiting Room"]


def configure(data_dir: Path) -> tuple[str, str] | None:
    """Django on a fresh database; returns (admin URL, database) to drop afterwards on PostgreSQL."""
    os.environ["NONGTHONSO_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongthonso.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + os.urandom(8).hex())
    dropped = None
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        from import_values import _postgres_database

        os.environ["DATABASE_URL"], name, admin = _postgres_database(url)
        dropped = (admin, name)
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dropped


def setup(rows: int):
    """The course, its points, a session and ``rows`` participants; returns the session."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from nongthonso.training.models import BridgePoint, Course, Participant, RegisteredVia, Session
    from nongthonso.units.models import Unit, UnitType
    from nongthonso.units.reference import ensure_reference_data

    ensure_reference_data()
    since = dt.date(2020, 1, 1)
    province = Unit.objects.create(code="99", name="Tỉnh Thử Nghiệm", unit_type=UnitType.objects.get(code="tinh"),
                                   valid_from=since, synthetic=True)
    commune = Unit.objects.create(code="99001", name="Xã Thử Nghiệm", parent=province, valid_from=since,
                                  unit_type=UnitType.objects.get(code="xa"), synthetic=True)
    course = Course.objects.create(code="bench", title="Tập huấn (benchmark)", organiser=province, mode="hybrid",
                                   starts_on=dt.date(2023, 10, 11), ends_on=dt.date(2023, 10, 15), synthetic=True)
    BridgePoint.objects.create(course=course, name="Điểm cầu chính", is_main=True, host_unit=province)
    sub = BridgePoint.objects.create(course=course, name="Điểm cầu xã Thử Nghiệm", host_unit=commune)
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    session = Session.objects.create(course=course, kind="theory", title="Buổi 1",
                                     starts_at=dt.datetime(2023, 10, 11, 8, tzinfo=hanoi),
                                     ends_at=dt.datetime(2023, 10, 11, 11, 30, tzinfo=hanoi))
    Participant.objects.bulk_create(
        (Participant(course=course, full_name=f"Người Thử {i:06d}", email=_email(i), phone=_phone(i),
                     bridge_point=sub, registered_via=RegisteredVia.ORGANISER, synthetic=True)
         for i in range(rows)), batch_size=5000)
    return session


def _email(i: int) -> str:
    return "" if i % 20 in (0, 1) else f"nguoi.thu.{i:06d}@bench.example"


def _phone(i: int) -> str:
    return f"0912 {i // 1000:03d} {i % 1000:03d}" if i % 20 == 1 else ""


def _shown(i: int) -> str:
    """The name as the report shows it: diacritics dropped for one row in 20, a dial-in number for another."""
    if i % 20 == 0:
        return f"Nguoi Thu {i:06d}"
    if i % 20 == 1:
        return f"+84 912 {i // 1000:03d} {i % 1000:03d}"
    return f"Người Thử {i:06d}"


def write_report(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            minutes = 60 + i % 150
            w.writerow([_shown(i), _email(i), "10/11/2023 08:00:00 AM", "10/11/2023 11:00:00 AM", minutes,
                        "Yes" if i % 20 in (0, 1) else "No", "Y", "No"])


def raw_lookup(session, rows: int) -> dict[str, int]:
    """The participant id of each row, keyed by the row's e-mail or name cell as written (prepared untimed)."""
    from nongthonso.training.models import Participant

    ids = dict(Participant.objects.filter(course_id=session.course_id).values_list("full_name", "pk"))
    return {(_email(i) or _shown(i)): ids[f"Người Thử {i:06d}"] for i in range(rows)}


def raw(path: Path, session, lookup: dict[str, int]) -> int:
    """The rows into the attendance table with one executemany (SQLite) or COPY (PostgreSQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from nongthonso.training.models import Attendance

    table = connection.ops.quote_name(Attendance._meta.db_table)
    columns = ("session_id, participant_id, mode, bridge_point_id, method, minutes, recorded_by_id, recorded_at, "
               "synthetic")
    when = Attendance._meta.get_field("recorded_at").get_db_prep_save(timezone.now(), connection)
    point = session.course.bridge_points.get(is_main=False).pk

    def rows():
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for name, email, _join, _leave, minutes, *_ in reader:
                yield session.pk, lookup[email or name], "online", point, "zoom", int(minutes), None, when, False

    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
                    count += 1
        else:  # a plain sqlite3 cursor: Django's cursor class would keep the generator's rows in memory
            plain = connection.connection.cursor()
            plain.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
            count = plain.rowcount
            plain.close()
    return count


def clean(session) -> None:
    from django.db import connection

    from nongthonso.audit.models import AuditEntry
    from nongthonso.training.models import Attendance

    Attendance.objects.filter(session=session).delete()
    AuditEntry.objects.filter(model="training.session").delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed(run) -> tuple[float, float, object]:
    """(wall-clock seconds, this process's CPU seconds, the result)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - start, time.process_time() - cpu, result


def traced(run) -> tuple[int, object]:
    tracemalloc.start()
    try:
        result = run()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="nongthonso-bench-attendance-"))
    dropped = None
    try:
        t = time.perf_counter()
        dropped = configure(workdir)
        from django.db import connection

        from nongthonso.training.attendance import import_attendance
        from nongthonso.training.models import Attendance

        session = setup(args.rows)
        report = workdir / f"zoom-{args.rows}.csv"
        write_report(report, args.rows)
        lookup = raw_lookup(session, args.rows)
        engine = f"PostgreSQL {connection.pg_version // 10000} (COPY)" if connection.vendor == "postgresql" else (
            f"SQLite {connection.Database.sqlite_version} (executemany)")
        print(f"{engine}; CPython {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; set-up "
              f"{time.perf_counter() - t:.0f} s; report {report.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows",
              flush=True)

        runs = []
        for repeat in range(args.repeat):
            order = ("raw", "import") if repeat % 2 == 0 else ("import", "raw")
            seconds, cpu = {}, {}
            for kind in order:
                clean(session)
                if kind == "raw":
                    seconds[kind], cpu[kind], count = timed(lambda: raw(report, session, lookup))
                else:
                    seconds[kind], cpu[kind], result = timed(lambda: import_attendance(report, session))
                    count = result.created
                written = Attendance.objects.filter(session=session).count()
                assert count == written == args.rows, (kind, count, written)
            again, _, result = timed(lambda: import_attendance(report, session))  # the same file again: unchanged
            assert result.unchanged == args.rows
            runs.append((seconds["raw"], seconds["import"], cpu["raw"], cpu["import"], again))
            print(f"  run {repeat + 1}: raw {args.rows / seconds['raw']:>8,.0f} rows/s, import "
                  f"{args.rows / seconds['import']:>8,.0f} rows/s ({seconds['raw'] / seconds['import']:.0%}; CPU time "
                  f"of this process {cpu['raw']:.2f} s and {cpu['import']:.2f} s: "
                  f"{cpu['raw'] / cpu['import']:.0%}); the same file again (nothing to change) {again:.2f} s",
                  flush=True)

        clean(session)
        raw_peak, _ = traced(lambda: raw(report, session, lookup))
        clean(session)
        import_peak, _ = traced(lambda: import_attendance(report, session))
        best_raw, best_import = min(run[0] for run in runs), min(run[1] for run in runs)
        ratio = best_raw / best_import
        print(f"\nbest of {len(runs)}: raw {args.rows / best_raw:,.0f} rows/s ({best_raw:.2f} s), import "
              f"{args.rows / best_import:,.0f} rows/s ({best_import:.2f} s): import ÷ raw {ratio:.0%} "
              f"(goal ≥ {GOAL:.0%}: {'met' if ratio >= GOAL else 'NOT met'}); CPU time of this process, best of each: "
              f"{min(run[2] for run in runs) / min(run[3] for run in runs):.0%}")
        print(f"tracemalloc peak: import {import_peak / 2**20:.1f} MiB, raw {raw_peak / 2**20:.1f} MiB "
              f"({import_peak / args.rows:.0f} bytes a row for the import)")
        return 0 if ratio >= GOAL else 1
    finally:
        if dropped:
            from django.db import connections

            from import_values import _drop_postgres

            connections.close_all()
            _drop_postgres(*dropped)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
