"""Requests per second for the province dashboard, beside a trivial Django view served the same way (issue 3).

    .venv/bin/python bench/dashboard_rps.py [--concurrency 8] [--duration 10] [--generator auto|wrk|python]

What it does, all on this machine:

1. a fresh data directory in /tmp: ``nongthonso migrate``, ``nongthonso demo``, ``nongthonso demo_users``
   (SQLite in that directory; ``DATABASE_URL`` is honoured when set — that database gets the demo);
2. ``nongthonso serve`` (waitress, ``DJANGO_DEBUG=0``, WhiteNoise, the production middleware) on a free port
   of 127.0.0.1, then the cookies a browser would hold: a visitor's CSRF cookie, and the session (and CSRF)
   cookies of the province office (``vpdp.tinh``) signed in through the login form;
3. the same load — ``--concurrency`` keep-alive connections for ``--duration`` seconds — on
   ``/healthz`` (the trivial view: plain-text "ok") and the public dashboard ``/`` as the visitor, and on
   ``/healthz`` and the signed-in dashboard ``/bang-dieu-khien/?as_of=2023-06-30`` as the province office,
   interleaved in ``--rounds`` runs; ``wrk`` when installed (Debian package ``wrk``), else a generator of
   Python threads over ``http.client`` keep-alive connections;
4. a table: requests/s, p50/p95 latency, the ratio to the trivial view asked with the same cookies (the
   goal: ≥ 50%) and to the trivial view asked by the visitor; the exit status is 1 when a goal is not met or
   a response was not a 200.

Each page is requested once before the runs (that first request computes the figures; its latency is
printed as "first ms"), and the load only ever goes to 127.0.0.1, bounded in time (``--duration`` ≤ 60 s per
path) and connections (``--concurrency`` ≤ 64).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
USER, PASSWORD = "vpdp.tinh", "bench-" + secrets.token_hex(8)
TRIVIAL = "/healthz"
VISITOR, SIGNED_IN = "visitor", "signed in"
# (path, who asks, a text the page must hold); each page is compared with the trivial view asked by the same
# client with the same cookies (a signed-in request resolves its session and user in the middleware, whatever
# the view), and also with the trivial view asked by a visitor (the cheapest request there is).
PAGES = [
    (TRIVIAL, VISITOR, "ok"),
    ("/", VISITOR, "108/126"),
    (TRIVIAL, SIGNED_IN, "ok"),
    ("/bang-dieu-khien/?as_of=2023-06-30", SIGNED_IN, "108/126"),
]
GOAL = 0.5
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p95_us=%d status_errors=%d socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Result:
    path: str
    who: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    first_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def command(env: dict, *args: str) -> None:
    script = Path(sys.executable).with_name("nongthonso")
    subprocess.run([str(script), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def shell(env: dict, code: str, timeout: int = 900) -> str:
    """The last line ``nongthonso shell -c code`` prints (the benchmarks' set-up scripts print what they made)."""
    script = Path(sys.executable).with_name("nongthonso")
    return subprocess.run([str(script), "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True, timeout=timeout).stdout.strip().splitlines()[-1]


def build_demo(env: dict, data_dir: str | Path, what: str) -> None:
    """Migrate and load the Thái Nguyên demo into ``env``'s database, saying so (``what``: what else is built)."""
    database = "DATABASE_URL" in os.environ and urllib.parse.urlsplit(os.environ["DATABASE_URL"]).scheme
    print(f"Building the demo{what} in {data_dir} ({database or 'sqlite'}) …", flush=True)
    command(env, "migrate", "--noinput", "-v0")
    command(env, "demo")


def print_ratios(results: list, goal: float, counted: Callable[[str], bool] = lambda path: True,
                 note: str = "") -> bool:
    """The table of a page benchmark: each path's requests/s beside ``/healthz``'s (the first result), and whether
    the ``goal`` ratio is met — for the paths ``counted`` says the goal is about; the others' verdict is shown in
    parentheses, for information. Returns whether anything failed (a counted goal, or a failed response)."""
    trivial = results[0].rps
    width = max(len(r.path) for r in results) + 2
    print(f"\nMachine: {machine()}")
    print(f"{'path':<{width}} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'first ms':>8} {'÷ /healthz':>10}  "
          f"goal ≥ {goal:.0%}")
    failed = False
    for r in results:
        ratio = r.rps / trivial
        verdict = "met" if ratio >= goal else "NOT met"
        verdict = "—" if r.path == TRIVIAL else verdict if counted(r.path) else f"({verdict})"
        failed |= verdict == "NOT met" or r.errors > 0
        print(f"{r.path:<{width}} {r.rps:>6.0f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.first_ms:>8.1f} {ratio:>10.0%}  "
              f"{verdict}" + (f"  ({r.errors} failed responses)" if r.errors else ""))
    print(f"({sum(r.requests for r in results)} requests in all. 'first ms': the first request, before anything is "
          f"cached.{' ' + note if note else ''})")
    return failed


def request(port: int, path: str, *, method: str = "GET", body: str | None = None, headers: dict | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, dict, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()} | {
            "set-cookie-all": response.headers.get_all("Set-Cookie") or []}, data
    finally:
        if own:
            conn.close()


def cookies_from(headers: dict) -> dict[str, str]:
    found = {}
    for line in headers["set-cookie-all"]:
        name, _, rest = line.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def log_in(port: int) -> tuple[str, str]:
    """The cookies a browser holds: as a visitor (the CSRF cookie of its first page) and once signed in as
    ``USER`` through the login form (the session and the CSRF cookie the login rotates)."""
    status, headers, body = request(port, "/dang-nhap/")
    assert status == 200, f"GET /dang-nhap/: {status}"
    csrf = cookies_from(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token,
                                   "next": "/bang-dieu-khien/"})
    status, headers, _ = request(port, "/dang-nhap/", method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "Referer": f"http://{HOST}:{port}/dang-nhap/"})
    signed_in = cookies_from(headers)
    assert status == 302 and signed_in.get("sessionid"), f"login as {USER} failed: {status}"
    return f"csrftoken={csrf}", f"csrftoken={signed_in.get('csrftoken', csrf)}; sessionid={signed_in['sessionid']}"


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"nongthonso serve exited with {server.returncode}")
        try:
            if request(port, TRIVIAL)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nongthonso serve did not answer within 60 s")


def server_env(data_dir: str | Path) -> dict:
    """The environment of ``nongthonso`` commands: production settings (``DJANGO_DEBUG=0``) with the data in
    ``data_dir``, served in plain HTTP on 127.0.0.1 (no TLS proxy in front: no HTTPS redirect)."""
    return {**os.environ, "NONGTHONSO_DATA_DIR": str(data_dir), "DJANGO_DEBUG": "0", "DJANGO_HTTPS": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "ERROR"}


@contextlib.contextmanager
def serving(env: dict, log_path: Path, threads: int) -> Iterator[int]:
    """``nongthonso serve`` (``threads`` waitress threads) on a free port of ``HOST``, answering: yields the port,
    stops the server on leaving. When the block fails, prints the end of what the server said (kept in
    ``log_path``)."""
    port = free_port()
    script = Path(sys.executable).with_name("nongthonso")
    server_log = open(log_path, "w+")  # noqa: SIM115 - closed below
    server = subprocess.Popen([str(script), "serve", "--host", HOST, "--port", str(port),
                               "--threads", str(threads)], env=env, cwd=ROOT,
                              stdout=server_log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(port, server)
        yield port
    except BaseException:
        server_log.seek(0)
        print("nongthonso serve said:\n" + server_log.read()[-4000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()


def headers_of(cookie: str | dict) -> dict:
    """The request headers of a measured client: a ``Cookie`` header, or the headers given (an API token)."""
    return dict(cookie) if isinstance(cookie, dict) else {"Cookie": cookie}


def load_wrk(port: int, path: str, cookie: str, concurrency: int, duration: int) -> tuple:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        args = ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "30s",
                "-s", script.name]
        for name, value in headers_of(cookie).items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run([*args, f"http://{HOST}:{port}{path}"], check=True, capture_output=True,
                             text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(script.name)
    fields = dict(kv.split("=") for kv in re.search(r"^BENCH (.*)$", out, re.M).group(1).split())
    n = int(fields["requests"])
    return (n, int(fields["duration_us"]) / 1e6, int(fields["p50_us"]) / 1000, int(fields["p95_us"]) / 1000,
            int(fields["status_errors"]) + int(fields["socket_errors"]))


def load_python(port: int, path: str, cookie: str, concurrency: int, duration: int) -> tuple:
    """``concurrency`` threads, each with one keep-alive connection, requesting ``path`` until the deadline."""
    headers = headers_of(cookie)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    start = time.perf_counter()
    deadline = start + duration

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            while (t0 := time.perf_counter()) < deadline:
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    ok = False
                latencies[i].append(time.perf_counter() - t0)
                errors[i] += not ok
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    flat = sorted(x for xs in latencies for x in xs)
    quantiles = statistics.quantiles(flat, n=100) if len(flat) > 1 else flat * 99
    return len(flat), seconds, quantiles[49] * 1000, quantiles[94] * 1000, sum(errors)


def first_request(port: int, path: str, cookie: str, expect: str) -> float:
    """Milliseconds for one request (the figures are computed: nothing is cached yet); checks the page."""
    t0 = time.perf_counter()
    status, _, body = request(port, path, headers=headers_of(cookie))
    elapsed = (time.perf_counter() - t0) * 1000
    assert status == 200 and expect in body.decode(), f"{path}: {status}, {expect!r} not in the page"
    return elapsed


def measure(port: int, pages: list[tuple[str, str, str | dict, str]], generator: str, concurrency: int, duration: int,
            rounds: int) -> list[Result]:
    """``duration`` seconds of load on each page, in ``rounds`` interleaved runs (A B C A B C …) so that a
    change in the machine's other load falls on every page alike. Requests/s over all rounds; latencies
    are the median of the rounds' percentiles."""
    load = load_wrk if generator == "wrk" else load_python
    firsts = [first_request(port, path, cookie, expect) for path, _, cookie, expect in pages]
    runs: list[list[tuple]] = [[] for _ in pages]
    for _ in range(rounds):
        for i, (path, _, cookie, _) in enumerate(pages):
            runs[i].append(load(port, path, cookie, concurrency, duration // rounds))
    return [Result(path, who, sum(r[0] for r in run), sum(r[1] for r in run),
                   statistics.median(r[2] for r in run), statistics.median(r[3] for r in run),
                   sum(r[4] for r in run), first)
            for (path, who, _, _), run, first in zip(pages, runs, firsts, strict=True)]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}")


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options of the load every page benchmark takes: connections, duration, rounds, threads, generator."""
    parser.add_argument("--concurrency", type=int, default=8, help="connections kept open (default 8, ≤ 64)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per path (default 10, ≤ 60)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleaved runs the duration is split into (default 5: 2 s × 5 per path)")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads (default 8)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")


def load_generator(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The load options checked (``parser.error`` when out of bounds); the generator to use: ``wrk`` or ``python``."""
    if not 1 <= args.concurrency <= 64 or not 1 <= args.duration <= 60:
        parser.error("--concurrency must be 1..64 and --duration 1..60")
    if not 1 <= args.rounds <= args.duration or args.duration % args.rounds:
        parser.error("--rounds must divide --duration (whole seconds per run)")
    if args.generator == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if args.generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --generator python")
    return args.generator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    args = parser.parse_args()
    generator = load_generator(parser, args)

    with tempfile.TemporaryDirectory(prefix="nongthonso-bench-") as data_dir:
        env = server_env(data_dir)
        database = "DATABASE_URL" in os.environ and urllib.parse.urlsplit(os.environ["DATABASE_URL"]).scheme
        print(f"Building the demo in {data_dir} ({database or 'sqlite'}) …", flush=True)
        command(env, "migrate", "--noinput", "-v0")
        command(env, "demo")
        command(env, "demo_users", "--password", PASSWORD, "--i-know-this-resets-passwords")  # DEBUG is off
        with serving(env, Path(data_dir) / "serve.log", args.threads) as port:
            visitor, signed_in = log_in(port)
            print(f"Serving with waitress ({args.threads} threads) on {HOST}:{port}; load: {generator}, "
                  f"{args.concurrency} connections, {args.duration} s per path in {args.rounds} interleaved runs.",
                  flush=True)
            cookies = {VISITOR: visitor, SIGNED_IN: signed_in}
            pages = [(path, who, cookies[who], expect) for path, who, expect in PAGES]
            results = measure(port, pages, generator, args.concurrency, args.duration, args.rounds)

    trivial = {r.who: r.rps for r in results if r.path == TRIVIAL}
    print(f"\nMachine: {machine()}")
    print(f"{'path':<36} {'as':<9} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'first ms':>8} "
          f"{'÷ trivial':>9} {'÷ trivial (visitor)':>19}  goal ≥ 50%")
    failed = False
    for r in results:
        ratio, strict = r.rps / trivial[r.who], r.rps / trivial[VISITOR]
        goal = "—" if r.path == TRIVIAL else ("met" if ratio >= GOAL else "NOT met")
        failed |= goal == "NOT met" or r.errors > 0
        print(f"{r.path:<36} {r.who:<9} {r.rps:>6.0f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.first_ms:>8.1f} "
              f"{ratio:>9.0%} {strict:>19.0%}  {goal}" + (f"  ({r.errors} failed responses)" if r.errors else ""))
    print(f"({sum(r.requests for r in results)} requests in all. 'first ms': the first request, before anything "
          "is cached. '÷ trivial': requests/s over those of /healthz asked with the same cookies.)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
