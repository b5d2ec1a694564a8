"""National-scale benchmarks (issue 5), one command on either database:

    .venv/bin/python bench/national/bench_national.py [--skip-generate]         # SQLite (a file in $TMPDIR)
    DATABASE_URL=postgres://… .venv/bin/python bench/national/bench_national.py   # PostgreSQL

1. builds the synthetic country (``generate.py``: 63 provinces, ~700 districts, ~10,000 communes, 2021-2025
   values, ~2.85 M) unless ``--skip-generate`` reuses the one already in the database;
2. (a) bulk import: ``--import-rows`` (200,000) values of the 2025 draft dossiers written to a CSV file, deleted,
   and imported with ``nongthonso import values`` (validation, audit, re-evaluation: the whole import) — beside
   the same rows inserted into the same table by ``COPY`` (PostgreSQL) or ``executemany`` (SQLite); goal ≥ 50% of
   their rows/s. On SQLite the same rows are also inserted alone by the import's own statement (a JSON array of
   rows a statement, ``core.bulk.insert_rows``), a stricter baseline printed beside;
3. (b) one value changed with ``assessments.services.set_value`` on a draft dossier → the time until the
   national summary (``reports.services.summary("VN", …)``) shows it (goal ≤ 100 ms), and until a province's
   dashboard figures (``reports.views._figures``, cached per data revision) show it (goal ≤ 50 ms on SQLite, ≤ 80 ms
   on PostgreSQL);
4. (c) the national and a provincial summary, ``--calls`` (20) times each: p50/p95 beside the hand-written SQL
   that computes the same figures (``raw_summary.py``; the figures are checked equal); goal p50 ≤ 50 ms and
   ≤ 1.5× the SQL (issue 10; 2× in issue 5). The implementation before issue 5
   (``tests/reports/reference_summary.py``) is timed once too, and must give the same figures;
5. (d) requests/s of a province's public dashboard under local load beside ``/healthz`` (``nongthonso serve``,
   the machinery of ``bench/dashboard_rps.py``);
6. (e) requests/s of the REST list ``/api/assessments?limit=50`` (a province office's API token) beside
   ``/healthz``, 16 connections (``--api-concurrency``), in the same interleaved runs; goal ≥ 30%.

Every figure is printed beside its baseline from the same run, then a table of the goals. The database is left
as it was found (the imported values are the ones deleted; the changed value is set back).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402

AS_OF = dt.date(2025, 6, 30)
YEAR = generate.DRAFT_YEAR
PROVINCE = "19"  # a province of the synthetic country (Tỉnh Mô Phỏng 19)
NATIONAL = "VN"
# the goals of issue 10 (issue 5's were 2× and 50%)
SQL_RATIO_GOAL = 1.5  # a summary's p50 over the hand-written SQL's
DASHBOARD_GOAL = 0.6  # the public dashboard's requests/s over /healthz's
API_GOAL = 0.3  # the REST list's requests/s over /healthz's
CHANGE_GOAL = {"sqlite": 0.050, "postgresql": 0.080}  # (b) a value change → a province's figures (issue 10)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- (a) bulk import ----------------------------------------------------------------------------------------

def bench_import(rows_wanted: int, data_dir: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from nongthonso.assessments.models import Assessment, IndicatorValue

    drafts = (Assessment.objects.filter(year=YEAR, state=Assessment.State.DRAFT, criteria_set__code="xa-ntm-2021-2025")
              .order_by("unit__code"))
    picked, n = [], 0
    for pk, count in _annotate_values_count(drafts):
        if n >= rows_wanted:
            break
        picked.append(pk)
        n += count
    values = (IndicatorValue.objects.filter(assessment_id__in=picked)
              .order_by("assessment__unit__code", "indicator__position")
              .values_list("assessment__unit__code", "indicator__code", "value", "source", "assessment_id",
                           "indicator_id"))
    rows = list(values)
    path = data_dir / f"values-{len(rows)}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["unit_code", "year", "indicator_code", "value", "source"])
        for code, indicator, value, source, _, _ in rows:
            text = {True: "1", False: "0"}.get(value, value) if isinstance(value, bool) else value
            writer.writerow([code, YEAR, indicator, text, source])
    mib = path.stat().st_size / 2**20
    IndicatorValue.objects.filter(assessment_id__in=picked).delete()

    out = io.StringIO()
    t0 = time.perf_counter()
    call_command("import", "values", str(path), stdout=out)
    import_s = time.perf_counter() - t0
    restored = IndicatorValue.objects.filter(assessment_id__in=picked).count()
    if restored != len(rows):
        raise RuntimeError(f"import wrote {restored} values, expected {len(rows)}: {out.getvalue()}")

    # the baseline: the same rows, already resolved to ids, into the same table in one transaction
    IndicatorValue.objects.filter(assessment_id__in=picked).delete()
    writer = generate.Writer()
    now = writer.datetime(writer.now)
    fields = ["assessment", "indicator", "value", "source", "note", "updated_at", "updated_by"]
    t0 = time.perf_counter()
    with transaction.atomic():
        writer.insert(IndicatorValue, fields,
                      ((a, i, json.dumps(v), s, "", now, None) for _, _, v, s, a, i in rows))
    raw_s = time.perf_counter() - t0
    if IndicatorValue.objects.filter(assessment_id__in=picked).count() != len(rows):
        raise RuntimeError("the baseline insert lost rows")
    path.unlink()
    how = "COPY" if connection.vendor == "postgresql" else "executemany"
    found = {"rows": len(rows), "assessments": len(picked), "mib": mib, "import_s": import_s, "raw_s": raw_s,
             "how": how, "message": out.getvalue().strip()}
    if connection.vendor == "sqlite":
        # a stricter baseline: the same rows through the import's own insert statement (``core.bulk.insert_rows``:
        # a JSON array of 5,000 rows a statement, ADR 0012), in one thread, nothing else done
        from nongthonso.assessments.bulk import insert_values

        IndicatorValue.objects.filter(assessment_id__in=picked).delete()
        t0 = time.perf_counter()
        with transaction.atomic():
            insert_values([(a, i, json.dumps(v), s, "", now, None) for _, _, v, s, a, i in rows])
        found["json_s"] = time.perf_counter() - t0
        if IndicatorValue.objects.filter(assessment_id__in=picked).count() != len(rows):
            raise RuntimeError("the JSON baseline insert lost rows")
    return found


def _annotate_values_count(qs):
    from django.db.models import Count

    return qs.annotate(n=Count("values")).values_list("pk", "n")


# --- (b) a value change → the summary --------------------------------------------------------------------------

def _flippable(code: str):
    """A draft dossier of a commune of province ``code`` with a boolean indicator that meets its threshold in a
    criterion that is met: setting it to "not met" lowers the commune's criteria met by one."""
    from nongthonso.assessments.models import Assessment
    from nongthonso.units.models import Unit
    from nongthonso.units.services import find_unit

    province = find_unit(code, AS_OF)
    communes = Unit.objects.valid_on(AS_OF).within(province).rural_communes()
    for a in (Assessment.objects.filter(unit__in=communes, year=YEAR, state=Assessment.State.DRAFT)
              .select_related("unit", "criteria_set").order_by("unit__code")):
        for criterion in a.results["criteria"]:
            if criterion["status"] != "met" or criterion["condition"]:
                continue
            for ind in criterion["indicators"]:
                if ind["comparator"] == "==" and ind["value"] is True and ind["threshold"] is True:
                    return a, ind["code"]
    raise RuntimeError(f"no draft dossier in province {code} with a met boolean indicator")


def bench_change(rounds: int) -> dict:
    """Each round sets the indicator to "not met" and back, and times each change until the national summary
    shows it (a fresh computation), then does the same until the province's dashboard figures show it (the
    figures are cached per data revision: a write makes the next request recompute them)."""
    from nongthonso.assessments.services import set_value
    from nongthonso.reports import views
    from nongthonso.reports.services import summary

    assessment, indicator = _flippable(PROVINCE)
    national_before = summary(NATIONAL, AS_OF).criteria_met_sum
    province_before = views._figures(PROVINCE, AS_OF, False, True, None)["data"].criteria_met_sum
    national, dashboard = [], []

    def change(raw: str, show, expected: int, into: list) -> None:
        t0 = time.perf_counter()
        set_value(assessment, indicator, raw, source=generate.SOURCE)
        t1 = time.perf_counter()
        shown = show()
        t2 = time.perf_counter()
        if shown != expected:
            raise RuntimeError(f"the change is not shown: {shown} != {expected}")
        into.append((t1 - t0, t2 - t1, t2 - t0))

    try:
        for _ in range(rounds):
            for raw, delta in (("0", -1), ("1", 0)):
                change(raw, lambda: summary(NATIONAL, AS_OF).criteria_met_sum, national_before + delta, national)
            for raw, delta in (("0", -1), ("1", 0)):
                change(raw, lambda: views._figures(PROVINCE, AS_OF, False, True, None)["data"].criteria_met_sum,
                       province_before + delta, dashboard)
    finally:
        set_value(assessment, indicator, "1", source=generate.SOURCE)
    if summary(NATIONAL, AS_OF).criteria_met_sum != national_before:
        raise RuntimeError("the change was not undone")
    return {"commune": assessment.unit.code, "indicator": indicator, "national": national, "dashboard": dashboard}


# --- (c) summary latency ---------------------------------------------------------------------------------------

def bench_latency(code: str, calls: int) -> dict:
    from raw_summary import check, raw_summary

    from nongthonso.core import compiled
    from nongthonso.reports.services import summary

    run = raw_summary(code, AS_OF)
    data, figures = summary(code, AS_OF), run()  # warm both (and the criteria cache)
    differ = check(figures, data.to_dict())
    if differ:
        raise RuntimeError(f"summary({code!r}) and the SQL baseline differ on {differ}")
    # the implementation before issue 5 (loads every unit, decision and assessment): once, for the record
    sys.path.insert(0, str(HERE.parents[1]))
    from tests.reports.reference_summary import reference_summary

    t0 = time.perf_counter()
    before = reference_summary(code, AS_OF) if calls > 1 else data.to_dict()
    before_s = time.perf_counter() - t0
    if before != data.to_dict():
        raise RuntimeError(f"summary({code!r}) differs from the previous implementation")
    app, sql = [], []
    for _ in range(calls):  # interleaved, so that the machine's other load falls on both alike
        t0 = time.perf_counter()
        summary(code, AS_OF)
        t1 = time.perf_counter()
        run()
        t2 = time.perf_counter()
        app.append(t1 - t0)
        sql.append(t2 - t1)
    # a first call: the statements compiled again (core.compiled keeps them per unit and day; a dashboard recomputed
    # after a write runs them as the calls above do)
    cold = []
    for _ in range(max(1, calls // 4)):
        compiled.forget()
        t0 = time.perf_counter()
        summary(code, AS_OF)
        cold.append(time.perf_counter() - t0)
    return {"code": code, "communes": data.communes_total, "app": app, "sql": sql, "data": data,
            "before_s": before_s, "cold": cold}


# --- (d) dashboard requests/s ----------------------------------------------------------------------------------

def bench_rps(duration: int, rounds: int, concurrency: int, generator: str, expect: str) -> list:
    import dashboard_rps as rps

    # the database's data directory: the static files collected for serving go there too
    data_dir = Path(os.environ.get("NONGTHONSO_DATA_DIR", generate.default_data_dir()))
    page = f"/?unit={PROVINCE}&as_of={AS_OF.isoformat()}"
    with rps.serving(rps.server_env(data_dir), data_dir / "serve.log", threads=8) as port:
        t0 = time.perf_counter()
        status, headers, body = rps.request(port, page)  # a visitor's first page: computes and caches the figures
        first_ms = (time.perf_counter() - t0) * 1000
        assert status == 200 and expect in body.decode(), f"{page}: {status}, {expect!r} not in the page"
        token = rps.cookies_from(headers).get("csrftoken")  # the CSRF cookie a browser keeps
        cookie = f"csrftoken={token}" if token else ""
        pages = [(rps.TRIVIAL, rps.VISITOR, cookie, "ok"), (page, rps.VISITOR, cookie, expect)]
        results = rps.measure(port, pages, generator, concurrency, duration, rounds)
        results[1].first_ms = first_ms
        return results


# --- (e) the REST list -----------------------------------------------------------------------------------------

API_USER = "bench-national-api"
API_LIST = "/api/assessments?limit=50"


def api_token() -> tuple[str, callable]:
    """A Bearer token of the province office of ``PROVINCE`` (a user kept between runs, granted once through
    ``accounts.services.grant``, audited as every grant is) and the function that deletes the token afterwards.
    The dossier workflows are loaded first when the country has none (the generator writes dossiers only)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from nongthonso.accounts.models import Role
    from nongthonso.accounts.services import grant
    from nongthonso.api.models import ApiToken
    from nongthonso.assessments.models import Workflow
    from nongthonso.units.services import find_unit

    if not Workflow.objects.exists():
        call_command("workflows", "load", stdout=io.StringIO())
    user, _ = get_user_model().objects.get_or_create(username=API_USER)
    grant(user, Role.PROVINCE_OFFICE, find_unit(PROVINCE, dt.date.today()), note="bench/national")
    row, token = ApiToken.issue(user, f"bench {time.time():.0f}")
    return token, row.delete


def bench_api(duration: int, rounds: int, concurrency: int, generator: str) -> list:
    """Requests/s of the REST list (``API_LIST``, a province office's token) beside ``/healthz``, both under
    ``concurrency`` connections in the same interleaved runs."""
    import dashboard_rps as rps

    data_dir = Path(os.environ.get("NONGTHONSO_DATA_DIR", generate.default_data_dir()))
    token, forget = api_token()
    try:
        with rps.serving(rps.server_env(data_dir), data_dir / "serve.log", threads=8) as port:
            bearer = {"Authorization": f"Bearer {token}"}
            pages = [(rps.TRIVIAL, rps.VISITOR, "", "ok"), (API_LIST, "API token", bearer, '"count":')]
            return rps.measure(port, pages, generator, concurrency, duration, rounds)
    finally:
        forget()


def load_generator(choice: str) -> str:
    """``--generator``: ``auto`` is ``wrk`` when installed, else the Python generator."""
    return ("wrk" if shutil.which("wrk") else "python") if choice == "auto" else choice


def print_rps(results: list) -> float:
    """One line per measured path, its requests/s over the first's (``/healthz``); returns the latter."""
    trivial = results[0].rps
    for r in results:
        errors = f"  ({r.errors} errors)" if r.errors else ""
        print(f"    {r.path:<36} {r.rps:>6.0f} req/s  p50 {r.p50_ms:.1f} ms  p95 {r.p95_ms:.1f} ms  first "
              f"{r.first_ms:.0f} ms  ÷ /healthz {r.rps / trivial:.0%}{errors}", flush=True)
    return trivial


# --- the whole --------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-generate", action="store_true", help="reuse the synthetic country already built")
    parser.add_argument("--communes", type=int, default=10_000)
    parser.add_argument("--parts", default="abcde", help="which benchmarks to run (default abcde)")
    parser.add_argument("--import-rows", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=20, help="summary calls per root (default 20)")
    parser.add_argument("--change-rounds", type=int, default=5)
    parser.add_argument("--rps-duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--rps-rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--api-concurrency", type=int, default=16, help="connections for the REST list (e)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--force", action="store_true", help="let the generator empty a database holding other data")
    args = parser.parse_args()
    generate.configure()
    import dashboard_rps as rps  # noqa: I001 - after the settings are configured
    import numpy as np
    from django.db import connection
    from nongthonso.units.models import Unit

    data_dir = Path(os.environ.get("NONGTHONSO_DATA_DIR", generate.default_data_dir()))
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {rps.machine()}, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB")
    print(f"Database: {generate.database_label()}; numpy {np.__version__}; load average {load_average()}", flush=True)
    started = time.perf_counter()
    if args.skip_generate:
        if not generate.is_ours():
            raise SystemExit("--skip-generate: the database holds no synthetic country; run without it first.")
        print("Reusing the synthetic country in the database.")
    else:
        generated = generate.generate(communes=args.communes, force=args.force, say=lambda s: print(s, flush=True))
        print(f"Generated in {generated['timings']['total']:.0f} s.", flush=True)
    communes = Unit.objects.rural_communes().count()
    table = []

    if "a" in args.parts:
        print(f"\n(a) bulk import of {args.import_rows:,} values …", flush=True)
        imp = bench_import(args.import_rows, data_dir)
        import_rps, raw_rps = imp["rows"] / imp["import_s"], imp["rows"] / imp["raw_s"]
        print(f"    nongthonso import values: {imp['rows']:,} rows ({imp['assessments']:,} dossiers, "
              f"{imp['mib']:.1f} MiB CSV) in {imp['import_s']:.1f} s = {import_rps:,.0f} rows/s")
        print("      " + imp["message"].replace("\n", " "))
        print(f"    {imp['how']} of the same rows: {imp['raw_s']:.2f} s = {raw_rps:,.0f} rows/s "
              f"(import ÷ {imp['how']}: {import_rps / raw_rps:.1%})", flush=True)
        table.append(f"| (a) bulk import, {imp['rows']:,} values | {import_rps:,.0f} rows/s | {imp['how']} "
                     f"{raw_rps:,.0f} rows/s (import at {import_rps / raw_rps:.0%} of it) | ≥ 50% of {imp['how']} | "
                     f"{'met' if import_rps >= raw_rps / 2 else 'NOT met'} |")
        if "json_s" in imp:
            json_rps = imp["rows"] / imp["json_s"]
            print(f"    the import's own insert statement (a JSON array a statement) of the same rows, alone: "
                  f"{imp['json_s']:.2f} s = {json_rps:,.0f} rows/s (import ÷ it: {import_rps / json_rps:.1%})",
                  flush=True)
            table.append(f"| (a) the same, beside the import's own insert alone | {import_rps:,.0f} rows/s | JSON "
                         f"array insert {json_rps:,.0f} rows/s (import at {import_rps / json_rps:.0%} of it) | "
                         f"(stricter than the goal) | {'≥ 50%' if import_rps >= json_rps / 2 else '< 50%'} |")

    if "b" in args.parts:
        print(f"\n(b) one value → the national summary, {args.change_rounds} × 2 changes …", flush=True)
        change = bench_change(args.change_rounds)
        nat, dash = change["national"], change["dashboard"]
        total_p50 = statistics.median(t for *_, t in nat)
        set_p50, summary_p50 = statistics.median(s for s, _, _ in nat), statistics.median(s for _, s, _ in nat)
        dash_p50 = statistics.median(t for *_, t in dash)
        print(f"    commune {change['commune']}, indicator {change['indicator']}: set_value p50 {ms(set_p50)}, then "
              f"summary('VN') p50 {ms(summary_p50)}; change → national summary p50 {ms(total_p50)}, "
              f"max {ms(max(t for *_, t in nat))}")
        print(f"    change → province {PROVINCE} dashboard figures (recomputed after the write) p50 {ms(dash_p50)} "
              f"(set_value {ms(statistics.median(s for s, _, _ in dash))})", flush=True)
        table.append(f"| (b) value change → national summary | p50 {ms(total_p50)} | set_value {ms(set_p50)} + "
                     f"summary {ms(summary_p50)} | ≤ 100 ms | {'met' if total_p50 <= 0.1 else 'NOT met'} |")
        goal = CHANGE_GOAL[connection.vendor]
        table.append(f"| (b) value change → province {PROVINCE} dashboard figures | p50 {ms(dash_p50)} | set_value "
                     f"{ms(statistics.median(s for s, _, _ in dash))} + figures "
                     f"{ms(statistics.median(s for _, s, _ in dash))} | ≤ {ms(goal)} | "
                     f"{'met' if dash_p50 <= goal else 'NOT met'} |")

    latency = []
    if "c" in args.parts or "d" in args.parts:
        if "c" in args.parts:
            print(f"\n(c) summary latency, {args.calls} calls each, beside the hand-written SQL …", flush=True)
        for code in ((NATIONAL, PROVINCE) if "c" in args.parts else (PROVINCE,)):
            r = bench_latency(code, args.calls if "c" in args.parts else 1)
            a50, a95, s50, s95 = (statistics.median(r["app"]), pct(r["app"], 95), statistics.median(r["sql"]),
                                  pct(r["sql"], 95))
            latency.append(r)
            if "c" not in args.parts:
                continue
            print(f"    {r['code']:>3} ({r['communes']:,} communes): summary() p50 {ms(a50)} p95 {ms(a95)}; "
                  f"SQL p50 {ms(s50)} p95 {ms(s95)}; ratio {a50 / s50:.2f}×; a first call (statements compiled) "
                  f"p50 {ms(statistics.median(r['cold']))}; the previous implementation: {ms(r['before_s'])} (one "
                  "call, same figures)", flush=True)
            table.append(f"| (c) summary {r['code']} ({r['communes']:,} communes) | p50 {ms(a50)}, p95 {ms(a95)} | "
                         f"SQL p50 {ms(s50)}, p95 {ms(s95)} (summary ÷ SQL {a50 / s50:.2f}×) | p50 ≤ 50 ms, "
                         f"≤ {SQL_RATIO_GOAL}× SQL | {'met' if a50 <= 0.05 else 'NOT met'}, "
                         f"{'met' if a50 <= SQL_RATIO_GOAL * s50 else 'NOT met'} |")

    if "d" in args.parts:
        generator = load_generator(args.generator)
        data = latency[-1]["data"]
        expect = f"{data.ntm}/{data.communes_total}"
        print(f"\n(d) requests/s: /healthz and /?unit={PROVINCE} ({generator}, {args.concurrency} connections, "
              f"{args.rps_duration} s per page in {args.rps_rounds} runs) …", flush=True)
        results = bench_rps(args.rps_duration, args.rps_rounds, args.concurrency, generator, expect)
        trivial = print_rps(results)
        for r in results[1:]:
            table.append(f"| (d) public dashboard `{r.path}` | {r.rps:,.0f} req/s, p50 {r.p50_ms:.1f} ms (first "
                         f"request {r.first_ms:.0f} ms) | `/healthz` {trivial:,.0f} req/s ({r.rps / trivial:.0%}) | "
                         f"≥ {DASHBOARD_GOAL:.0%} | "
                         f"{'met' if r.rps / trivial >= DASHBOARD_GOAL and not r.errors else 'NOT met'} |")

    if "e" in args.parts:
        generator = load_generator(args.generator)
        print(f"\n(e) requests/s: /healthz and {API_LIST} (a province office's API token; {generator}, "
              f"{args.api_concurrency} connections, {args.rps_duration} s per path in {args.rps_rounds} runs) …",
              flush=True)
        results = bench_api(args.rps_duration, args.rps_rounds, args.api_concurrency, generator)
        trivial = print_rps(results)
        r = results[1]
        table.append(f"| (e) REST list `{r.path}` | {r.rps:,.0f} req/s, p50 {r.p50_ms:.1f} ms | `/healthz` "
                     f"{trivial:,.0f} req/s ({r.rps / trivial:.0%}) | ≥ {API_GOAL:.0%} | "
                     f"{'met' if r.rps / trivial >= API_GOAL and not r.errors else 'NOT met'} |")

    print(f"\nTotal {time.perf_counter() - started:.0f} s; load average at the end {load_average()}; "
          f"{platform.python_implementation()} {platform.python_version()}; {communes:,} rural communes.")
    print("\n| | figure | baseline (same run) | goal | |\n|---|---|---|---|---|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
