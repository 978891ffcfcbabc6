"""The entry form under load and under a crash, against the REAL `tracker serve` (waitress) over HTTP on
127.0.0.1 (issue 7, points 1 and 2, the server's share).

A submission is sent the way the browser sends it: a POST to `/_dash-update-component` with the entry
callback's outputs, input (`entry-submit.n_clicks`) and state (every form field and the form's nonce),
built from the server's own `/_dash-dependencies`, with a same-origin `Origin` header. The answer is read
from the `entry-result` output: "Stored report …" (id `entry-saved`) or "Already stored: report …"
(id `entry-duplicate`); both are acknowledgements.

- 8 threads × N distinct submissions: every acknowledged report is stored exactly once, none lost (the
  DuckDB file is opened with `tracker.db.open_store` after the server stops; reports are found by a marker
  in `notes`);
- 20 concurrent submissions of one report (from 20 forms): one stored, 19 answered "already stored";
- the server killed with SIGKILL during steady submissions: the database opens, the server restarts, and
  every submission acknowledged before the kill is stored, once.

CI runs N=25 and one kill; `pytest -m stress` runs N=200 and 5 kills. Figures are printed as
`FIGURE {json}` lines (collected by bench/stress.py).
"""

from __future__ import annotations

import http.client
import json
import secrets
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, run_tracker
from live_server import HOST, Server, run_threads

from tracker import db, vocab

DEMO = [REPO / "data" / "demo" / "seed_figures.csv", REPO / "data" / "demo" / "osce_smm_2022.csv"]
THREADS = 8


@pytest.fixture
def served(tmp_path: Path):
    """A started server on a temp DuckDB file holding the demo data (stopped, or killed, afterwards)."""
    db_path = tmp_path / "served.duckdb"
    loaded = run_tracker("import", *DEMO, db_path=db_path)
    assert loaded.returncode == 0, loaded.stderr
    server = Server(db_path, tmp_path / "serve.log")
    server.start()
    yield server
    server.kill()


# --- the browser's form submission -------------------------------------------------------------------

class EntryForm:
    """Sends the entry form's submit as the browser does; `submit(fields) -> (acknowledged, text)`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        with urllib.request.urlopen(url + "/_dash-dependencies", timeout=10) as response:
            dependencies = json.load(response)
        # the callback whose input is the submit button (the form's save)
        self.dependency = next(d for d in dependencies
                               if [(i["id"], i["property"]) for i in d["inputs"]] == [("entry-submit", "n_clicks")])
        spec = self.dependency["output"]
        assert spec.startswith("..") and spec.endswith("..")
        self.outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
                        for part in spec[2:-2].split("...")]
        self.state_ids = [s["id"] for s in self.dependency["state"]]
        # what the callback reads: every canonical field, then the nonce, in that order
        assert self.state_ids == [f"entry-{f}" for f in vocab.CANONICAL_COLUMNS] + ["entry-nonce"]

    def payload(self, fields: dict[str, Any], nonce: str) -> dict[str, Any]:
        defaults = {"timezone": vocab.DEFAULT_TIMEZONE, "qualifier": "exact"}  # what the form starts with
        values = {**defaults, **fields}
        state = [{**s, "value": nonce if s["id"] == "entry-nonce" else values.get(s["id"].removeprefix("entry-"))}
                 for s in self.dependency["state"]]
        return {"output": self.dependency["output"], "outputs": self.outputs,
                "inputs": [{"id": "entry-submit", "property": "n_clicks", "value": 1}],
                "changedPropIds": ["entry-submit.n_clicks"], "state": state}

    def submit(self, fields: dict[str, Any], nonce: str | None = None, timeout: float = 120) -> tuple[bool, str]:
        """One form submission (a new form, i.e. a fresh nonce, unless given); raises OSError when the
        connection fails (no answer: not acknowledged)."""
        body = json.dumps(self.payload(fields, nonce or secrets.token_urlsafe(12))).encode()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request("POST", "/_dash-update-component", body=body, headers={
                "Content-Type": "application/json", "Accept": "application/json",
                "Origin": self.url, "Referer": self.url + "/entry"})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status != 200:
            return False, f"HTTP {response.status}: {data[:300]!r}"
        result = json.loads(data)["response"]["entry-result"]["children"]
        props = result.get("props", {}) if isinstance(result, dict) else {}
        acknowledged = props.get("id") in ("entry-saved", "entry-duplicate")
        return acknowledged, " ".join("".join(_texts(result)).split())


def _texts(component: Any) -> list[str]:
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list):
        return [t for c in component for t in _texts(c)]
    if isinstance(component, dict):
        return _texts(component.get("props", {}).get("children"))
    return []


def entry(marker: str, index: int) -> dict[str, Any]:
    """A valid report, distinct for each (marker, index)."""
    day = 1 + index % 28
    return {"source": "ua_mod", "period_start": f"2021-03-{day:02d}T00:00", "period_end": f"2021-03-{day:02d}T17:00",
            "violations": index % 500, "notes": f"{marker} #{index}"}


def stored_by_marker(db_path: Path, marker: str) -> Counter:
    """How many current reports hold each note starting with `marker` (the server must be stopped)."""
    store = db.open_store(str(db_path))
    try:
        return Counter(dict(store.rows(
            "select notes, count(*) from current_reports where notes like ? group by notes", [marker + " #%"])))
    finally:
        store.close()




# --- 1. concurrency ----------------------------------------------------------------------------------

def concurrent_submissions(served: Server, per_thread: int, label: str) -> dict:
    form = EntryForm(served.url)
    marker = f"webload-{secrets.token_hex(4)}"

    def work(thread: int, barrier: threading.Barrier) -> list[tuple[str, bool, str]]:
        barrier.wait()
        answers = []
        for i in range(per_thread):
            fields = entry(marker, thread * per_thread + i)
            ok, text = form.submit(fields)
            answers.append((fields["notes"], ok, text))
        return answers

    started = time.perf_counter()
    answers = [a for per in run_threads(THREADS, work) for a in per]
    elapsed = time.perf_counter() - started
    served.stop()
    stored = stored_by_marker(served.db_path, marker)
    acknowledged = [notes for notes, ok, _ in answers if ok]
    refused = [(notes, text) for notes, ok, text in answers if not ok]
    figures = {"test": label, "threads": THREADS, "submissions": len(answers), "acknowledged": len(acknowledged),
               "stored": sum(stored.values()), "lost": len(set(acknowledged) - set(stored)),
               "duplicates": sum(n - 1 for n in stored.values()), "seconds": round(elapsed, 1),
               "per_s": round(len(answers) / elapsed, 1)}
    print("FIGURE " + json.dumps(figures))
    assert refused == []
    assert all(text.startswith("Stored report") for _, _, text in answers)
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert set(stored) == set(acknowledged) and len(acknowledged) == THREADS * per_thread
    return figures


def test_threads_of_form_submissions_store_each_exactly_once(served: Server) -> None:
    concurrent_submissions(served, per_thread=25, label="8 threads × 25 form submissions over HTTP (CI)")


@pytest.mark.stress
@pytest.mark.timeout(3 * 3600)
def test_threads_of_form_submissions_stress(served: Server) -> None:
    concurrent_submissions(served, per_thread=200, label="8 threads × 200 form submissions over HTTP (stress)")


def check_submit_client(form: EntryForm, server: Server) -> None:
    """The client speaks the browser's protocol: stored, already stored, a refused value, and a
    cross-origin POST of the same body refused (403)."""
    fields = entry("webload-probe", 1)
    assert form.submit(fields)[0]
    ok, text = form.submit(fields)
    assert ok and text.startswith("Already stored"), text
    ok, text = form.submit({**fields, "violations": -3})
    assert not ok and "Nothing was stored" in text, text
    body = json.dumps(form.payload(entry("webload-probe", 2), "x")).encode()
    request = urllib.request.Request(server.url + "/_dash-update-component", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_concurrent_double_submits_store_one_and_answer_already_stored(served: Server) -> None:
    form = EntryForm(served.url)
    check_submit_client(form, served)
    fields = entry("webload-double", 7)
    submissions = 20

    def work(_thread: int, barrier: threading.Barrier) -> tuple[bool, str]:
        barrier.wait()
        return form.submit(fields)  # each from its own form (its own nonce), all at once

    answers = run_threads(submissions, work)
    served.stop()
    stored = stored_by_marker(served.db_path, "webload-double")
    kinds = Counter("stored" if t.startswith("Stored report") else "already" if t.startswith("Already stored")
                    else t for _, t in answers)
    print("FIGURE " + json.dumps({"test": "20 concurrent submissions of one report", "submissions": submissions,
                                  "acknowledged": sum(ok for ok, _ in answers), "stored": sum(stored.values()),
                                  "answered_already_stored": kinds["already"]}))
    assert all(ok for ok, _ in answers)
    assert kinds == {"stored": 1, "already": submissions - 1}
    assert stored == {"webload-double #7": 1}
    assert stored_by_marker(served.db_path, "webload-probe") == {"webload-probe #1": 1}


# --- 2. a crash during steady submissions ------------------------------------------------------------

def kills_during_submissions(served: Server, kills: int, acks_per_kill: int, label: str, writers: int = 4) -> dict:
    """`writers` threads submit steadily; after `acks_per_kill` more acknowledgements the server is
    SIGKILLed (with submissions in flight), then restarted. Returns the figures."""
    marker = f"webcrash-{secrets.token_hex(4)}"
    acknowledged: set[str] = set()
    unanswered: set[str] = set()  # in flight at a kill: may or may not be stored
    lock = threading.Lock()
    counter = iter(range(10**9))
    for _ in range(kills):
        form = EntryForm(served.url)
        stop = threading.Event()
        target = len(acknowledged) + acks_per_kill

        def writer(_thread: int, barrier: threading.Barrier, form: EntryForm = form,
                   stop: threading.Event = stop, target: int = target) -> None:
            barrier.wait()
            while not stop.is_set():
                with lock:
                    fields = entry(marker, next(counter))
                try:
                    ok, text = form.submit(fields, timeout=60)
                except (OSError, http.client.HTTPException):
                    with lock:
                        unanswered.add(fields["notes"])
                    return  # the server is gone
                assert ok and text.startswith("Stored report"), text
                with lock:
                    acknowledged.add(fields["notes"])
                    if len(acknowledged) >= target:
                        stop.set()
                        served.kill()  # SIGKILL while the other writers' submissions are in flight
        run_threads(writers, writer)
        assert served.process is not None and served.process.returncode == -signal.SIGKILL
        served.start()  # restart on the same file: it must open and serve
    served.stop()
    stored = stored_by_marker(served.db_path, marker)
    figures = {"test": label, "kills": kills, "acknowledged": len(acknowledged), "in_flight_at_kill": len(unanswered),
               "stored": sum(stored.values()), "in_flight_stored": len(unanswered & set(stored)),
               "lost": len(acknowledged - set(stored)), "duplicates": sum(n - 1 for n in stored.values())}
    print("FIGURE " + json.dumps(figures))
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert set(stored) <= acknowledged | unanswered  # nothing stored that was never sent
    return figures


def test_server_killed_during_submissions_keeps_every_acknowledged_report(served: Server) -> None:
    kills_during_submissions(served, kills=1, acks_per_kill=40, label="server SIGKILLed during form submissions (CI)")


@pytest.mark.stress
@pytest.mark.timeout(3600)
def test_server_killed_during_submissions_stress(served: Server) -> None:
    kills_during_submissions(served, kills=5, acks_per_kill=60,
                             label="server SIGKILLed during form submissions (stress)")
