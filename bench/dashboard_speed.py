"""Dashboard speed: callback latencies (p50/p95) of the overview and compare updates, and the first
paint of / in Chromium, on a store of N count reports, against the underlying query in the same run.

    python bench/dashboard_speed.py [N] [--db PATH] [--requests R] [--paints P]   (default N = 1_000_000)

The store is built like bench/analysis_speed.py's (5 sources × 3 regions × D days of nested intraday
snapshots, imported through the production import; --db PATH keeps and reuses it). Then the real
`tracker serve` runs on it, and the callbacks are POSTed to /_dash-update-component exactly as the
browser sends them:

- *new choice*: every request asks for a selection not asked before (region × metric × date range), so
  nothing is served from the pages' cache of computed series;
- *repeat*: the same selections again (what toggling back and forth costs; the cache is keyed by the
  store's write counter, so a write makes every entry stale).

The underlying query is what the callback must at least do: `tracker.series.daily` for the same
selection plus the trend (or discrepancy) analysis, timed in-process before the server starts. First
paint is the time from navigation to the overview chart holding its traces, in headless Chromium
(/usr/bin/chromium), with a fresh browser context each time. Timings are printed, never asserted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analysis_speed import LAST_DAY, store_with  # noqa: E402  (the same generated store)

from tracker import series  # noqa: E402
from tracker.analysis import analysed, discrepancies, long_figures, readings, trends  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
REGIONS = ("all", "donetsk", "luhansk")
METRICS = ("violations", "explosions")
SPANS = (60, 90, 30, 120)  # days shown


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def best_of(runs: int, fn) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def overview_payload(region: str, metric: str, start: date, end: date, sources: list[str]) -> dict:
    outputs = [("overview-chart", "figure"), ("overview-latest", "children"), ("overview-error", "children")]
    inputs = [("overview-region", "value", region), ("overview-dates", "start_date", start.isoformat()),
              ("overview-dates", "end_date", end.isoformat()), ("overview-sources", "value", sources),
              ("overview-metric", "value", metric), ("overview-mode", "value", "raw"),
              ("overview-accused", "value", "all"), ("overview-axes", "value", "own"),
              ("overview-scale", "value", "linear")]
    return _payload(outputs, inputs)


def compare_payload(region: str, metric: str, start: date, end: date) -> dict:
    outputs = [("compare-timeline", "figure"), ("compare-claims", "figure"), ("compare-table", "children"),
               ("compare-error", "children")]
    inputs = [("compare-region", "value", region), ("compare-metric", "value", metric),
              ("compare-dates", "start_date", start.isoformat()), ("compare-dates", "end_date", end.isoformat()),
              ("compare-mode", "value", "raw")]
    return _payload(outputs, inputs)


def _payload(outputs: list[tuple], inputs: list[tuple]) -> dict:
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"], "state": [],
    }


def post(url: str, payload: dict) -> float:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url + "/_dash-update-component", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Origin": url})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


def report(label: str, times: list[float], floor_ms: float) -> None:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(f"  {label:<40} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms   ({len(times)} requests; p95 = "
          f"{p95 / floor_ms:5.2f}x the query)")


def first_paints(url: str, count: int) -> list[tuple[float, float]]:
    """(navigation → overview chart holding its traces, first contentful paint) of `count` fresh loads."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(count):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url + "/")
            page.wait_for_function("() => { const g = document.querySelector('#overview-chart .js-plotly-plot');"
                                   " return g && g.data && g.data.length > 0; }", timeout=120_000)
            chart = (time.perf_counter() - started) * 1000
            fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
            times.append((chart, fcp or float("nan")))
            context.close()
        browser.close()
    return times


def main() -> None:
    args = sys.argv[1:]
    options = {"--db": None, "--requests": "20", "--paints": "5"}
    for name in list(options):
        if name in args:
            at = args.index(name)
            options[name] = args[at + 1]
            del args[at:at + 2]
    n = int(args[0]) if args else 1_000_000
    requests, paints = int(options["--requests"]), int(options["--paints"])
    path = options["--db"] or os.path.join(tempfile.mkdtemp(), "bench.duckdb")

    store = store_with(n, path)
    held = int(store.value("select count(*) from current_reports"))
    sources = [r[0] for r in store.rows("select distinct source from current_reports order by source")]
    end = LAST_DAY
    print(f"reports: {held:,}; sources {', '.join(sources)}; last day {end}")

    # the underlying work of each callback, in-process
    start = end - timedelta(days=59)
    history = timedelta(days=37)  # the baselines' 30 days and the rolling mean's 7
    overview_floor = best_of(3, lambda: trends(long_figures(
        series.daily(store, sources=sources, regions=["all"], date_from=start - history, date_to=end),
        ["violations"])))

    def compare_work() -> None:
        found, registry = analysed(store, regions=["all"], metrics=["violations"], date_from=start, date_to=end)
        readings(found, registry, date_from=start, date_to=end)
        discrepancies(found, registry, date_from=start, date_to=end)

    pair_floor = best_of(3, compare_work)
    print(f"underlying query: overview (daily series + trends, all sources) {overview_floor:.1f} ms; "
          f"compare (daily series of every source + readings + pairs) {pair_floor:.1f} ms")
    store.close()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(os.path.dirname(path), "serve.log"), "w")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "tracker", "serve", "--db", path, "--port", str(port)],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TRACKER_DB": ""})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/entry", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("tracker serve did not start; see serve.log") from None
                time.sleep(0.2)

        choices = [(region, metric, span) for span in SPANS for metric in METRICS for region in REGIONS]
        choices = choices[:requests]  # at most 24 distinct choices
        print("callbacks over HTTP (the real server, JSON in and out):")
        new = [post(url, overview_payload(r, m, end - timedelta(days=s - 1), end, sources)) for r, m, s in choices]
        again = [post(url, overview_payload(r, m, end - timedelta(days=s - 1), end, sources)) for r, m, s in choices]
        report("overview update, new choice", new, overview_floor)
        report("overview update, repeat", again, overview_floor)
        picks = [(r, m, s) for s in SPANS for m in METRICS for r in REGIONS][:requests]
        new = [post(url, compare_payload(r, m, end - timedelta(days=s - 1), end)) for r, m, s in picks]
        again = [post(url, compare_payload(r, m, end - timedelta(days=s - 1), end)) for r, m, s in picks]
        report("compare update, new choice", new, pair_floor)
        report("compare update, repeat", again, pair_floor)

        if os.path.exists(CHROMIUM) and paints:
            painted = first_paints(url, paints)
            charts, fcps = [p[0] for p in painted], [p[1] for p in painted]
            print(f"first paint of / in Chromium over {len(painted)} loads: first contentful paint p50 "
                  f"{percentile(fcps, 0.5):.0f} ms; chart drawn with its traces p50 {percentile(charts, 0.5):.0f} ms, "
                  f"max {max(charts):.0f} ms (the first load also fills the server's cache: {charts[0]:.0f} ms)")
            print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
