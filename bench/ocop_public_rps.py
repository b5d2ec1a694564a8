"""Requests per second of the public OCOP product page (a QR code scanned in a shop) beside ``/healthz``, in the same
run (issue 13: the product page ≥ 50% of ``/healthz``).

    .venv/bin/python bench/ocop_public_rps.py [--products 300] [--concurrency 8] [--duration 10] [--rounds 5]
                                              [--generator auto|wrk|python]

What it does, all on this machine:

1. a fresh data directory in /tmp: ``nongthonso migrate`` and ``nongthonso demo`` (SQLite there; ``DATABASE_URL``
   is honoured when set), then ``--products`` synthetic OCOP products of the demo's communes in force today, each
   with a certificate (3 to 5 stars, decided within the last three years, some revoked) — made with the app's models
   through ``nongthonso shell``;
2. ``nongthonso serve`` (waitress, ``DJANGO_DEBUG=0``, the production middleware) on a free port of 127.0.0.1
   (``bench/dashboard_rps.py``'s machinery: serving, load generators, measure), and the cookie a phone holds after
   its first page (the CSRF cookie);
3. the same load — ``--concurrency`` keep-alive connections, ``--duration`` seconds per path in ``--rounds``
   interleaved runs — on ``/healthz`` (the trivial view), a product's page ``/san-pham-ocop/<code>/`` and the
   catalogue ``/san-pham-ocop/`` searched without diacritics (``?q=che``);
4. a table: requests/s, p50/p95 latency, the first request's latency (nothing cached yet) and the ratio to
   ``/healthz`` (the goal: the product page ≥ 50%). Exit status 1 when the goal is not met or a response was not a
   200.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dashboard_rps as rps  # noqa: E402 - the serving and measuring machinery of the dashboard benchmark

GOAL = 0.5
PRODUCT = "BENCH-OCOP-0001"
SETUP = """
import datetime as dt
from django.utils import timezone
from nongthonso.core.text import fold
from nongthonso.ocop.models import Certificate, Producer, Product, SubGroup, add_months
from nongthonso.units.models import Unit

today = timezone.localdate()
communes = list(Unit.objects.valid_on(today).filter(unit_type__level__code="xa").order_by("sort_key")[:200])
sub = SubGroup.objects.get(code="2.2")  # Đồ uống không cồn (the catalogue loaded by migrate: ocop/catalogue)
producers = Producer.objects.bulk_create([Producer(name=f"Hợp tác xã chè số {{i}} (đo tốc độ)", kind="hop_tac_xa",
                                                   unit=communes[i % len(communes)], synthetic=True)
                                          for i in range({products})])
products = Product.objects.bulk_create([Product(
    code=f"BENCH-OCOP-{{i + 1:04d}}", name=f"Chè Tân Cương loại {{i + 1}}", producer=producers[i], subgroup=sub,
    unit=producers[i].unit, description="Chè búp sao tay (dữ liệu đo tốc độ).", synthetic=True,
    search=fold(f"Chè Tân Cương loại {{i + 1}} {{producers[i].name}} BENCH-OCOP-{{i + 1:04d}}"))
    for i in range({products})])
certificates = []
for i, p in enumerate(products):
    decided = today - dt.timedelta(days=30 + (i * 7) % 1000)
    certificates.append(Certificate(
        product=p, stars=3 + i % 3, decision_number=f"{{i + 1}}/QĐ-UBND", decision_date=decided,
        valid_until=add_months(decided, 36), issuing_level="tinh", issuing_authority="Ủy ban nhân dân tỉnh",
        revoked_on=today - dt.timedelta(days=5) if i % 25 == 24 else None,
        revocation_reason="Không đăng ký đánh giá lại (đo tốc độ)." if i % 25 == 24 else "", synthetic=True))
Certificate.objects.bulk_create(certificates)
print(len(products))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=300, help="certified products to make (default 300)")
    rps.add_load_options(parser)
    args = parser.parse_args()
    if not 1 <= args.products <= 20000:
        parser.error("--products must be 1..20000")
    generator = rps.load_generator(parser, args)

    with tempfile.TemporaryDirectory(prefix="nongthonso-bench-ocop-") as data_dir:
        env = rps.server_env(data_dir)
        rps.build_demo(env, data_dir, f" and {args.products} OCOP products")
        made = rps.shell(env, SETUP.format(products=args.products), timeout=600)
        with rps.serving(env, Path(data_dir) / "serve.log", args.threads) as port:
            status, headers, _ = rps.request(port, "/san-pham-ocop/")
            assert status == 200, f"GET /san-pham-ocop/: {status}"
            cookie = f"csrftoken={rps.cookies_from(headers)['csrftoken']}"
            print(f"Serving with waitress ({args.threads} threads) on {rps.HOST}:{port}, {made} products; load: "
                  f"{generator}, {args.concurrency} connections, {args.duration} s per path in {args.rounds} "
                  "interleaved runs.", flush=True)
            pages = [(rps.TRIVIAL, rps.VISITOR, cookie, "ok"),
                     (f"/san-pham-ocop/{PRODUCT}/", rps.VISITOR, cookie, "1/QĐ-UBND"),
                     ("/san-pham-ocop/?q=che", rps.VISITOR, cookie, "Chè Tân Cương loại 1")]
            results = rps.measure(port, pages, generator, args.concurrency, args.duration, args.rounds)
    failed = rps.print_ratios(results, GOAL, counted=lambda path: path.endswith(f"{PRODUCT}/"),
                              note="The goal is the product page's; the catalogue's ratio is shown for information.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
