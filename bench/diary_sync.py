"""Benchmark: sync 1,000 diary entries queued on a phone in one request, beside a bulk insert of the same rows.

    python bench/diary_sync.py [--entries 1000] [--repeat 5]

In a fresh SQLite database in /tmp (and, when ``DATABASE_URL`` is set, in that database too — it must be a scratch
database: the benchmark migrates it and writes a synthetic co-operative, plot and cycle), each run:

1. **sync**: one ``POST /nhat-ky-san-xuat/dong-bo/`` (the diary page's endpoint, through Django's test client: the
   middleware, the session, JSON parsing) carrying ``--entries`` new entries (a spray every 50 rows, the harvests
   after their interval, so the pre-harvest rule has work to do) — every entry checked, stored and audited;
2. **bulk insert**: ``DiaryEntry.objects.bulk_create`` of the same rows, already built (no checks, no audit);

both in the same process, best of ``--repeat``, the rows deleted between runs. Goal (issue 14): sync ≤ 2× the bulk
insert. The exit status is 1 when a goal is not met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 2.0


def rows(cycle_id: int, n: int, start: dt.date) -> list[dict]:
    out = []
    for i in range(n):
        day = start + dt.timedelta(days=i // 10)
        if i % 50 == 0:
            fields = {"kind": "spraying", "input_name": f"Thuốc {i}", "dose": "1.5", "dose_unit": "g/bình",
                      "phi_days": 3}
        elif i % 50 == 49:
            fields = {"kind": "harvest", "quantity": "12.5", "quantity_unit": "kg"}
        else:
            fields = {"kind": ("fertilising", "irrigation", "other")[i % 3], "input_name": "NPK 16-16-8",
                      "note": f"dòng {i}"}
        out.append({"client_id": str(uuid.uuid4()), "cycle": cycle_id, "version": None, "date": day.isoformat(),
                    "recorded_at": "2026-01-01T07:00:00+07:00", **fields})
    return out


def worker(n: int, repeat: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongthonso.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from nongthonso.audit.models import AuditEntry
    from nongthonso.coops.models import Cooperative, CropCycle, DiaryEntry, Plot
    from nongthonso.units.models import Unit, UnitLevel, UnitType

    setup_test_environment()
    settings.COOPS_DIARY_SYNC_MAX = max(n, 2000)
    call_command("migrate", "--noinput", "-v0")
    level, _ = UnitLevel.objects.get_or_create(code="xa", defaults={"name": "Xã", "depth": 3})
    kind, _ = UnitType.objects.get_or_create(code="xa", defaults={"name": "Xã", "level": level, "is_rural": True})
    unit = Unit.objects.filter(unit_type__level=level).first() or Unit.objects.create(
        code="99999", name="Xã thử (minh họa)", unit_type=kind, valid_from=dt.date(2020, 1, 1))
    user, _ = get_user_model().objects.get_or_create(username="bench.diary")
    coop, _ = Cooperative.objects.get_or_create(
        registration_code="BENCH-DIARY", defaults={"name": "HTX đo hiệu năng (minh họa)", "unit": unit,
                                                   "sector": "trong_trot", "synthetic": True})
    coop.managers.add(user)
    plot, _ = Plot.objects.get_or_create(cooperative=coop, code="BENCH", defaults={
        "unit": unit, "area_m2": 1000, "crop": "Chè", "synthetic": True})
    start = dt.date(2024, 1, 1)
    cycle, _ = CropCycle.objects.get_or_create(plot=plot, name="Vụ đo", defaults={
        "crop": "Chè", "started_on": start, "synthetic": True})
    client = Client()
    client.force_login(user)

    def clear():
        with transaction.atomic():
            AuditEntry.objects.filter(model="coops.diaryentry").delete()
            DiaryEntry.objects.filter(cycle=cycle).delete()

    sync_times, bulk_times = [], []
    for _ in range(repeat):
        clear()
        body = json.dumps({"entries": rows(cycle.pk, n, start)})
        began = time.perf_counter()
        answer = client.post("/nhat-ky-san-xuat/dong-bo/", body, content_type="application/json", secure=True)
        assert answer.status_code == 200, (answer.status_code, answer.content[:300])
        sync_times.append(time.perf_counter() - began)
        statuses = {r["status"] for r in answer.json()["results"]}
        assert answer.status_code == 200 and statuses == {"stored"}, statuses
        assert DiaryEntry.objects.filter(cycle=cycle).count() == n
        clear()
        built = [DiaryEntry(cycle=cycle, client_id=r["client_id"], kind=r["kind"],
                            date=dt.date.fromisoformat(r["date"]),
                            input_name=r.get("input_name", ""), dose=r.get("dose"), dose_unit=r.get("dose_unit", ""),
                            phi_days=r.get("phi_days"), quantity=r.get("quantity"),
                            quantity_unit=r.get("quantity_unit", ""), note=r.get("note", ""), recorded_by=user)
                 for r in rows(cycle.pk, n, start)]
        began = time.perf_counter()
        with transaction.atomic():
            DiaryEntry.objects.bulk_create(built, batch_size=500)
        bulk_times.append(time.perf_counter() - began)
    clear()
    sync_s, bulk_s = min(sync_times), min(bulk_times)
    print(json.dumps({"vendor": connection.vendor, "entries": n, "sync_ms": round(sync_s * 1000, 1),
                      "bulk_ms": round(bulk_s * 1000, 1), "ratio": round(sync_s / bulk_s, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.entries, args.repeat)
        return
    targets = []
    with tempfile.TemporaryDirectory(prefix="bench-diary-") as tmp:
        targets.append({"NONGTHONSO_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"})
        if os.environ.get("DATABASE_URL"):
            targets.append({"DATABASE_URL": os.environ["DATABASE_URL"], "NONGTHONSO_DATA_DIR": tmp})
        print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs; "
              f"{args.entries} entries, best of {args.repeat}")
        print(f"{'database':<12}{'sync (1 request) ms':>22}{'bulk insert ms':>17}{'ratio':>8}  goal ≤ {GOAL}×")
        failed = False
        for extra in targets:
            env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex, **extra}
            done = subprocess.run([sys.executable, __file__, "--worker", "--entries", str(args.entries),
                                   "--repeat", str(args.repeat)], env=env, cwd=ROOT, check=True,
                                  capture_output=True, text=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            ok = result["ratio"] <= GOAL
            failed |= not ok
            print(f"{result['vendor']:<12}{result['sync_ms']:>22}{result['bulk_ms']:>17}{result['ratio']:>7}×  "
                  f"{'ok' if ok else 'NOT MET'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
