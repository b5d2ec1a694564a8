"""Requests per second of the public lot page (a QR code on a package scanned in a shop) beside ``/healthz``, in the
same run (issue 14: the lot page ≥ 70% of ``/healthz``).

    .venv/bin/python bench/lot_page_rps.py [--lots 300] [--concurrency 8] [--duration 10] [--rounds 5]
                                           [--generator auto|wrk|python]

What it does, all on this machine:

1. a fresh data directory in /tmp: ``nongthonso migrate`` and ``nongthonso demo``, then a synthetic co-operative
   with a plot, its harvests and ``--lots`` lots made from them and merged pairwise by processing — through the
   traceability services (``coops.trace``), in ``nongthonso shell``;
2. ``nongthonso serve`` (waitress, ``DJANGO_DEBUG=0``, the production middleware) on a free port of 127.0.0.1
   (``bench/dashboard_rps.py``'s machinery), and the cookie a phone holds after its first page;
3. the same load on ``/healthz`` and on a processed lot's page ``/truy-xuat/<identifier>/``;
4. a table: requests/s, p50/p95 latency, the first request's latency and the ratio to ``/healthz``. Exit status 1
   when the goal is not met or a response was not a 200.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dashboard_rps as rps  # noqa: E402 - the serving and measuring machinery of the dashboard benchmark

GOAL = 0.7
SETUP = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from nongthonso.coops import trace
from nongthonso.coops.models import Cooperative, CropCycle, DiaryEntry, Plot
from nongthonso.units.models import Unit

today = timezone.localdate()
commune = Unit.objects.valid_on(today).filter(unit_type__level__code="xa").order_by("sort_key").first()
coop = Cooperative.objects.create(name="Hợp tác xã chè (đo tốc độ)", registration_code="BENCH-HTX-1", unit=commune,
                                  sector="trong_trot", address="Xóm 1", synthetic=True)
plot = Plot.objects.create(cooperative=coop, code="B-01", unit=commune, crop="Chè", area_m2=5000,
                           growing_area_code="BENCH-VT-01", synthetic=True)
cycle = CropCycle.objects.create(plot=plot, name="Vụ đo", crop="Chè", started_on=today - dt.timedelta(days=120),
                                 synthetic=True)
lots = []
for i in range({lots}):
    day = today - dt.timedelta(days=60 - i % 50)
    entry = DiaryEntry.objects.create(cycle=cycle, kind="harvest", date=day, quantity=Decimal(100),
                                      quantity_unit="kg", synthetic=True)
    data = trace.LotData(gtin=trace.demo_gtin(1), lot_number=f"B{{i:05d}}", product_name="Chè búp (đo tốc độ)",
                         quantity_unit="kg", produced_on=day, synthetic=True)
    lots.append(trace.lot_from_harvests(coop, data, [(entry, "100")]))
made = []
for i in range(0, len(lots) - 1, 2):
    data = trace.LotData(gtin=trace.demo_gtin(2), lot_number=f"P{{i:05d}}", product_name="Chè hộp (đo tốc độ)",
                         quantity_unit="hộp", produced_on=today, synthetic=True)
    made.append(trace.process(coop, data, [(lots[i], "100"), (lots[i + 1], "100")], "400"))
print(made[0].identifier)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=300, help="lots made from harvests (default 300)")
    rps.add_load_options(parser)
    args = parser.parse_args()
    if not 2 <= args.lots <= 5000:
        parser.error("--lots must be 2..5000")
    generator = rps.load_generator(parser, args)

    with tempfile.TemporaryDirectory(prefix="nongthonso-bench-lot-") as data_dir:
        env = rps.server_env(data_dir)
        rps.build_demo(env, data_dir, f" and {args.lots} lots")
        identifier = rps.shell(env, SETUP.format(lots=args.lots))
        page = f"/truy-xuat/{identifier}/"
        with rps.serving(env, Path(data_dir) / "serve.log", args.threads) as port:
            status, headers, _ = rps.request(port, page)
            assert status == 200, f"GET {page}: {status}"
            cookie = f"csrftoken={rps.cookies_from(headers)['csrftoken']}"
            print(f"Serving with waitress ({args.threads} threads) on {rps.HOST}:{port}; load: {generator}, "
                  f"{args.concurrency} connections, {args.duration} s per path in {args.rounds} interleaved runs.",
                  flush=True)
            pages = [(rps.TRIVIAL, rps.VISITOR, cookie, "ok"), (page, rps.VISITOR, cookie, "BENCH-VT-01")]
            results = rps.measure(port, pages, generator, args.concurrency, args.duration, args.rounds)
    return 1 if rps.print_ratios(results, GOAL) else 0


if __name__ == "__main__":
    sys.exit(main())
