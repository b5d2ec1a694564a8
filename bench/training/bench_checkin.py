"""Requests per second of the public QR check-in page beside ``/healthz``, in the same run (issue 12).

    .venv/bin/python bench/training/bench_checkin.py [--people 2000] [--concurrency 8] [--duration 10]
                                                     [--rounds 5] [--generator auto|wrk|python]

What it does, all on this machine:

1. a fresh data directory in /tmp: ``nongthonso migrate`` and ``nongthonso demo`` (SQLite there; ``DATABASE_URL``
   is honoured when set), then a course of the demo's province with one session, its main bridge point and
   ``--people`` registered participants (each with a phone number), check-in open — made with the app's models
   through ``nongthonso shell``;
2. ``nongthonso serve`` (waitress, 8 threads, ``DJANGO_DEBUG=0``, the production middleware) on a free port of
   127.0.0.1 (``bench/dashboard_rps.py``'s machinery), and the cookie a phone holds after opening the page (its
   CSRF cookie) with the form's token;
3. the same load — ``--concurrency`` keep-alive connections, ``--duration`` seconds per kind of request in
   ``--rounds`` interleaved runs — on: ``/healthz`` (the trivial view), ``GET /diem-danh/<code>/`` (the page),
   ``POST /diem-danh/<code>/`` (a phone number typed, «Điểm danh»: the participants in turn, so most posts write an
   attendance row and its audit entry, and once everyone has checked in a post finds the row already there), and a
   phone's whole visit, GET then POST alternately. ``wrk`` when installed (Lua scripts for the posts), else Python
   threads over ``http.client``;
4. a table: requests/s, p50/p95 latency and the ratio to ``/healthz`` (the goal: the visit ≥ 50%), and the number
   of attendance rows written (at most one per person: the unique constraint). Exit status 1 when the goal is not
   met or a response was not a 200.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import dashboard_rps as rps  # noqa: E402 - the serving and measuring machinery of the dashboard benchmark

GOAL = 0.5
COURSE = "bench-diem-danh"
SETUP = """
import datetime as dt
from django.utils import timezone
from nongthonso.training.models import BridgePoint, Course, Participant, Session
from nongthonso.units.models import Unit

day = dt.date(2023, 10, 11)
province = Unit.objects.valid_on(day).get(code="19", unit_type__level__code="tinh")
communes = list(Unit.objects.valid_on(day).filter(unit_type__level__code="xa", path__startswith=province.path))
course = Course.objects.create(code="{course}", title="Đo tốc độ điểm danh QR", organiser=province,
                               starts_on=day, ends_on=day, mode="in_person")
start = timezone.make_aware(dt.datetime(2023, 10, 11, 8))
session = Session.objects.create(course=course, kind="theory", title="Buổi đo", starts_at=start,
                                 ends_at=start + dt.timedelta(hours=3), checkin_open=True)
BridgePoint.objects.create(course=course, name="Hội trường", is_main=True, host_unit=province)
Participant.objects.bulk_create([Participant(
    course=course, full_name=f"Học viên {{i}}", unit=communes[i % len(communes)], phone=f"09{{i:08d}}",
    registered_via="organiser") for i in range({people})])
print(session.checkin_code)
"""
COUNT = """
from nongthonso.training.models import Attendance
print(Attendance.objects.filter(session__course__code="{course}").count())
"""
# each wrk thread numbers its requests; thread t of n posts the bodies t, t + n, t + 2n … (no two threads post the
# same person in a run). wrk.format's headers replace wrk.headers: the post names its cookie again.
LUA = """
local bodies = {{{bodies}}}
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local i = 0
wrk.headers["Cookie"] = "{cookie}"
request = function()
  i = i + 1
  if {mixed} and i % 2 == 1 then
    return wrk.format("GET", "{path}")
  end
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/x-www-form-urlencoded",
                                        ["Cookie"] = "{cookie}"}}, bodies[((i * {threads} + id) % #bodies) + 1])
end
""" + rps.WRK_REPORT


@dataclass
class Spec:
    label: str
    path: str
    method: str  # GET, POST or GET+POST (alternately, as a phone's visit)
    expect: str  # a text every 200 must hold (checked on the first request)


@dataclass
class Result:
    spec: Spec
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def shell(env: dict, code: str) -> str:
    script = Path(sys.executable).with_name("nongthonso")
    return subprocess.run([str(script), "shell", "-c", code], env=env, cwd=rps.ROOT, check=True,
                          capture_output=True, text=True, timeout=600).stdout.strip().splitlines()[-1]


def bodies_for(people: int, token: str, offset: int) -> list[str]:
    """The form a phone posts for each participant, starting with the ``offset``-th (each run posts for people
    not yet checked in, as long as there are some)."""
    return [urllib.parse.urlencode({"csrfmiddlewaretoken": token, "contact": f"09{(offset + i) % people:08d}"})
            for i in range(people)]


def load_wrk(port: int, spec: Spec, cookie: str, bodies: list[str], concurrency: int, duration: int) -> tuple:
    if spec.method == "GET":
        return rps.load_wrk(port, spec.path, cookie, concurrency, duration)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(bodies=",".join(f'"{b}"' for b in bodies), cookie=cookie, path=spec.path,
                                mixed="true" if spec.method == "GET+POST" else "false",
                                threads=min(2, concurrency)))
    try:
        out = subprocess.run(["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration}s", "--timeout",
                              "30s", "-s", script.name, f"http://{rps.HOST}:{port}{spec.path}"], check=True,
                             capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(script.name)
    fields = dict(kv.split("=") for kv in re.search(r"^BENCH (.*)$", out, re.M).group(1).split())
    return (int(fields["requests"]), int(fields["duration_us"]) / 1e6, int(fields["p50_us"]) / 1000,
            int(fields["p95_us"]) / 1000, int(fields["status_errors"]) + int(fields["socket_errors"]))


def load_python(port: int, spec: Spec, cookie: str, bodies: list[str], concurrency: int, duration: int) -> tuple:
    """``concurrency`` threads, each with one keep-alive connection, sending ``spec``'s requests until the
    deadline; the posts take the bodies in turn (the dashboard benchmark's generator asks for pages only)."""
    if spec.method == "GET":
        return rps.load_python(port, spec.path, cookie, concurrency, duration)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    counter = iter(range(10**9))
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + duration

    def worker(w: int) -> None:
        conn = http.client.HTTPConnection(rps.HOST, port, timeout=30)
        k = 0
        try:
            while (t0 := time.perf_counter()) < deadline:
                k += 1
                post = spec.method == "POST" or k % 2 == 0
                headers = {"Cookie": cookie}
                body = None
                if post:
                    with lock:
                        body = bodies[next(counter) % len(bodies)]
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                try:
                    conn.request("POST" if post else "GET", spec.path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(rps.HOST, port, timeout=30)
                    ok = False
                latencies[w].append(time.perf_counter() - t0)
                errors[w] += not ok
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    flat = sorted(x for xs in latencies for x in xs)
    quantiles = statistics.quantiles(flat, n=100) if len(flat) > 1 else flat * 99
    return len(flat), seconds, quantiles[49] * 1000, quantiles[94] * 1000, sum(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000, help="registered participants (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections kept open (default 8, ≤ 64)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per kind of request (≤ 60)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs the duration is split into")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 64 or not 1 <= args.duration <= 60 or not 10 <= args.people <= 100_000:
        parser.error("--concurrency must be 1..64, --duration 1..60, --people 10..100000")
    if not 1 <= args.rounds <= args.duration or args.duration % args.rounds:
        parser.error("--rounds must divide --duration (whole seconds per run)")
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    elif generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --generator python")
    load = load_wrk if generator == "wrk" else load_python

    with tempfile.TemporaryDirectory(prefix="nongthonso-bench-checkin-") as data_dir:
        env = rps.server_env(data_dir)
        print(f"Building the demo and a course of {args.people} participants in {data_dir} …", flush=True)
        rps.command(env, "migrate", "--noinput", "-v0")
        rps.command(env, "demo")
        code = shell(env, SETUP.format(course=COURSE, people=args.people))
        page = f"/diem-danh/{code}/"
        specs = [Spec("/healthz", rps.TRIVIAL, "GET", "ok"), Spec("check-in page", page, "GET", "Điểm danh"),
                 Spec("check-in post", page, "POST", "điểm danh"),
                 Spec("check-in visit (GET+POST)", page, "GET+POST", "điểm danh")]
        with rps.serving(env, Path(data_dir) / "serve.log", threads=8) as port:
            status, headers, body = rps.request(port, page)
            assert status == 200, f"GET {page}: {status}"
            csrf = rps.cookies_from(headers)["csrftoken"]
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
            cookie = f"csrftoken={csrf}"
            first = rps.request(port, page, method="POST", body=bodies_for(args.people, token, 0)[0], headers={
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            assert first[0] == 200 and "Đã điểm danh" in first[2].decode(), f"POST {page}: {first[0]}"
            print(f"Serving with waitress (8 threads) on {rps.HOST}:{port}; load: {generator}, {args.concurrency} "
                  f"connections, {args.duration} s per kind in {args.rounds} interleaved runs.", flush=True)
            runs: list[list[tuple]] = [[] for _ in specs]
            posted = 1
            for _ in range(args.rounds):
                for i, spec in enumerate(specs):
                    bodies = bodies_for(args.people, token, posted)
                    found = load(port, spec, cookie, bodies, args.concurrency, args.duration // args.rounds)
                    if spec.method != "GET":
                        posted += found[0] if spec.method == "POST" else found[0] // 2
                    runs[i].append(found)
        rows = int(shell(env, COUNT.format(course=COURSE)))

    results = [Result(spec, sum(r[0] for r in run), sum(r[1] for r in run), statistics.median(r[2] for r in run),
                      statistics.median(r[3] for r in run), sum(r[4] for r in run)) for spec, run in zip(specs, runs,
                                                                                                       strict=True)]
    trivial = results[0].rps
    print(f"\nMachine: {rps.machine()}")
    print(f"{'requests':<28} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'÷ /healthz':>10}  goal ≥ 50%")
    failed = False
    for r in results:
        goal = "met" if r.rps / trivial >= GOAL else "NOT met"
        goal = goal if r.spec.method == "GET+POST" else "—"
        failed |= goal == "NOT met" or r.errors > 0
        print(f"{r.spec.label:<28} {r.rps:>6.0f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.rps / trivial:>10.0%}  {goal}"
              + (f"  ({r.errors} failed responses)" if r.errors else ""))
    print(f"Attendance rows written: {rows} of {args.people} people, by {posted} posts answered (a post for someone "
          "already checked in found their row and wrote nothing).")
    failed |= not 0 < rows <= args.people
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
