"""Web hardening of the real `tracker serve` (waitress) on a temp DuckDB file: the security headers
(a Content-Security-Policy without inline scripts), the refusal of cross-origin writes to the callback
and upload endpoint, oversized uploads refused before they are parsed, no traceback in an error answer,
and an XSS corpus stored in every text field that renders as text, with no script run, in headless
Chromium. The HTTP tests speak to the server with urllib and raw sockets; the browser test leaves
screenshots in test-output/browser/."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, run_tracker
from live_server import Server

DEMO = REPO / "data" / "demo" / "seed_figures.csv"
UPLOAD_LIMIT_MB = 1  # the served limit: small, so that an oversized body is quick to send
XSS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "javascript:window.__xss=1",
    "<svg onload=window.__xss=1>",
    "[x](javascript:alert(1))",
    "$$\\alert$$",
]
TEXT_FIELDS = ("channel", "area", "weapons", "location", "quote", "notes")
# What an answer must not show of the server's insides.
LEAKS = ("Traceback", "File \"", ".py", "/work/", "site-packages", "KeyError", "Exception")




def xss_csv(path: Path) -> Path:
    """One dpr report per payload (a day each), the payload in every free-text field."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "period_start", "period_end", "violations", *TEXT_FIELDS])
        for day, payload in enumerate(XSS, start=1):
            date = f"2022-03-{day:02d}"
            writer.writerow(["dpr", date, date, day, *[payload] * len(TEXT_FIELDS)])
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tracker serve` with a 1 MB upload limit on a temp DuckDB holding demo figures and the XSS corpus."""
    folder = tmp_path_factory.mktemp("websec")
    db_path = folder / "websec.duckdb"
    loaded = run_tracker("import", DEMO, xss_csv(folder / "xss.csv"), db_path=db_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    server = Server(db_path, folder / "serve.log", env={"TRACKER_UPLOAD_LIMIT_MB": str(UPLOAD_LIMIT_MB)})
    server.start()
    yield server.url
    server.stop()


# --- HTTP helpers -----------------------------------------------------------------------------------

def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; error statuses are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {},
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def dependencies(url: str) -> list[dict]:
    status, _, body = fetch(url + "/_dash-dependencies")
    assert status == 200
    return json.loads(body)


def callback_body(deps: list[dict], values: dict, changed: str) -> bytes:
    """The JSON the Dash renderer posts for the server callback with the input `changed` (id.property)."""
    spec = next(d for d in deps if not d.get("clientside_function")
                and any(f"{i['id']}.{i['property']}" == changed for i in d["inputs"]))
    names = spec["output"][2:-2].split("...") if spec["output"].startswith("..") else [spec["output"]]
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in names]

    def items(kind: str) -> list[dict]:
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec[kind]]

    return json.dumps({"output": spec["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                       "inputs": items("inputs"), "state": items("state"),
                       "changedPropIds": [changed]}).encode()


def post_callback(url: str, body: bytes, **headers: str) -> tuple[int, dict, bytes]:
    return fetch(url + "/_dash-update-component", body, {"Content-Type": "application/json", **headers})


def upload_body(deps: list[dict], content: bytes) -> bytes:
    contents = "data:text/csv;base64," + base64.b64encode(content).decode()
    return callback_body(deps,
                         {"import-payload.data": {"contents": contents, "filename": "reports.csv"},
                          "import-delimiter.value": ","}, "import-payload.data")


def assert_security_headers(headers: dict) -> None:
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    script = directives["script-src"]
    assert "'self'" in script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert any(source.startswith("'sha256-") for source in script)  # Dash's inline scripts, by hash
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"


def assert_no_leak(body: bytes) -> None:
    text = body.decode("utf-8", "replace")
    assert not [leak for leak in LEAKS if leak in text], text[:500]


# --- HTTP tests ---------------------------------------------------------------------------------------

def test_every_answer_carries_the_security_headers(served: str) -> None:
    status, headers, body = fetch(served + "/")
    assert status == 200
    assert_security_headers(headers)
    page = re.sub(r"<!--.*?-->", "", body.decode(), flags=re.S)  # e.g. Dash's <!--[if IE]> warning
    inline = [script for attributes, script in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
              if "src=" not in attributes and "application/json" not in attributes]
    assert inline  # Dash's renderer start and the clientside callbacks: each allowed by its hash, no more
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
              for script in inline}
    allowed = {s for s in headers["Content-Security-Policy"].split("script-src ")[1].split(";")[0].split()
               if s.startswith("'sha")}
    assert hashes <= allowed
    timezone = callback_body(dependencies(served),
                             {"reports-timezone.value": "Europe/Kyiv"}, "reports-timezone.value")
    status, headers, _ = post_callback(served, timezone, Origin=served)
    assert status == 200
    assert_security_headers(headers)
    status, headers, _ = post_callback(served, timezone, Origin="http://evil.example")
    assert status == 403
    assert_security_headers(headers)
    for path in ("/_dash-layout", "/assets/plotly-basic.min.js", "/no-such-page-at-all.js"):
        assert_security_headers(fetch(served + path)[1])


def test_cross_origin_writes_to_the_callback_and_upload_endpoint_are_refused(served: str) -> None:
    deps = dependencies(served)
    timezone = callback_body(deps, {"reports-timezone.value": "UTC"},
                             "reports-timezone.value")
    upload = upload_body(deps, b"source,period_start,period_end,violations\nlpr,2022-03-20,2022-03-20,3\n")
    for body in (timezone, upload):
        for hostile in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                        {"Referer": "http://evil.example/page"}, {"Origin": served.replace("127.0.0.1", "localhost")}):
            status, _, answer = post_callback(served, body, **hostile)
            assert status == 403, (hostile, answer)
            assert answer == b"cross-origin request refused\n"
    status, _, answer = post_callback(served, timezone, Origin=served)
    assert status == 200 and b"UTC" in answer
    status, _, answer = post_callback(served, upload, Origin=served, Referer=served + "/import")
    assert status == 200, answer
    preview = json.loads(answer)["response"]
    assert preview["import-token"]["data"]  # the dry run found one new report to offer
    assert "new" in json.dumps(preview["import-preview"])


def test_an_oversized_upload_is_refused_before_it_is_parsed(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    # Declared far above the limit and never sent: the server answers 413 at once, without reading it.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
                     + b"Content-Type: application/json\r\nContent-Length: 500000000\r\n\r\n")
        started = time.monotonic()
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5
    assert_no_leak(answer)
    # A real upload above the limit: refused before the JSON or the CSV is read, with the limit named.
    big = b"source,period_start,period_end,violations\n" + b"lpr,2022-03-21,2022-03-21,1\n" * 50_000
    assert len(big) > UPLOAD_LIMIT_MB * 1024 * 1024
    before = fetch(served + "/_dash-dependencies")  # the server still answers after the refusal
    assert before[0] == 200
    status, headers, answer = post_callback(served, upload_body(dependencies(served), big), Origin=served)
    assert status in (200, 413)  # the callback gets the message where the preview goes
    assert f"larger than the upload limit of {UPLOAD_LIMIT_MB} MB".encode() in answer
    assert b"import-token" not in answer  # nothing was parsed, nothing is offered for import
    assert_security_headers(headers)


def test_errors_answer_without_a_traceback(served: str) -> None:
    deps = dependencies(served)
    cases = {
        "not JSON": b"{this is not json",
        "unknown callback": json.dumps({"output": "nothing-here.children",
                                        "outputs": {"id": "nothing-here", "property": "children"},
                                        "inputs": [], "changedPropIds": []}).encode(),
        "a callback that fails on its input": callback_body(
            deps, {"reports-grid.selectedRows": [{"not an id": "<script>"}]}, "reports-grid.selectedRows"),
    }
    statuses = {}
    for name, body in cases.items():
        status, headers, answer = post_callback(served, body, Origin=served)
        statuses[name] = status
        assert status >= 400, (name, answer[:300])
        assert_no_leak(answer)
        assert_security_headers(headers)
    assert 500 in statuses.values(), statuses  # a real server error among them, answered generically
    for path in ("/_dash-component-suites/../../etc/passwd", "/_dash-component-suites/nope/x.js",
                 "/no/such/page"):
        status, _, answer = fetch(served + path)
        assert status >= 400 or path == "/no/such/page", (path, status)  # Dash answers unknown pages itself
        assert_no_leak(answer)
        assert b"root:" not in answer


# --- the browser -------------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_xss_corpus_renders_as_text_and_runs_nothing(served: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT, shot, wait_for_text

    if not os.path.exists(CHROMIUM):  # pragma: no cover
        pytest.skip("Debian's chromium is not installed")
    watch = """
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    """
    check = """() => ({
        xss: typeof window.__xss,
        hrefs: Array.from(document.querySelectorAll('[href], [src], [action], [formaction]'))
            .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action')
                      || e.getAttribute('formaction'))
            .filter(v => v && /^\\s*(javascript|vbscript|data:text\\/html)/i.test(v)),
        violations: window.__violations,
        scripts: Array.from(document.querySelectorAll('script')).filter(s => /__xss/.test(s.textContent)).length,
        handlers: Array.from(document.querySelectorAll('*')).filter(
            e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
    })"""
    clean = {"xss": "undefined", "hrefs": [], "violations": [], "scripts": 0, "handlers": 0}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.add_init_script(watch)
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: errors.append(str(error)))
        seen = {}

        def visit(path: str, ready: str, name: str) -> None:
            page.goto(served + path)
            page.wait_for_selector(ready)
            page.wait_for_timeout(300)  # any late onerror/onload would have fired by now
            shot(page, f"xss_{name}")
            seen[name] = page.evaluate(check)

        visit("/", "#overview-chart .js-plotly-plot", "overview")
        visit("/compare", "#compare-claims .js-plotly-plot", "compare")
        visit("/entry", "#entry-submit", "entry")
        visit("/import", "#import-file", "import")
        visit("/reports", "#reports-grid .ag-row[row-index='0']", "reports")

        page.fill(".ag-floating-filter[col-id='source'] input", "dpr")
        wait_for_text(page, "#reports-count", f"^{len(XSS)} matching reports$")
        page.wait_for_selector(f"#reports-grid .ag-row[row-index='{len(XSS) - 1}']")
        shown = page.inner_text("#reports-grid")
        page.click("#reports-grid .ag-row[row-index='0'] .ag-cell[col-id='source']")
        page.wait_for_selector("#reports-history .ag-row")
        page.wait_for_timeout(300)
        shot(page, "xss_reports_history")
        seen["reports history"] = page.evaluate(check)
        detail = page.inner_text("#reports-detail") + "\n" + "\n".join(
            page.locator("#reports-detail input, #reports-detail textarea").evaluate_all(
                "elements => elements.map(e => e.value)"))
        browser.close()

    assert {name: result for name, result in seen.items() if result != clean} == {}
    assert dialogs == [] and errors == []
    for payload in XSS:  # the corpus is shown, as text, on the reports page
        assert payload in shown or payload in detail, payload
    assert any(payload in detail for payload in XSS)


def test_a_javascript_source_url_is_refused_at_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad_url.csv"
    bad.write_text("source,period_start,period_end,violations,source_url\n"
                   "dpr,2022-03-10,2022-03-10,1,javascript:window.__xss=1\n", encoding="utf-8")
    result = run_tracker("import", bad, db_path=tmp_path / "bad.duckdb")
    assert result.returncode != 0
    assert "source_url" in result.stdout + result.stderr


def test_the_policy_of_a_server_without_dash_allows_no_inline_script() -> None:
    from flask import Flask

    from dashboards import security

    server = Flask("plain")
    server.add_url_rule("/x", "x", lambda: "ok")
    security.protect(server)
    policy = server.test_client().get("/x").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
