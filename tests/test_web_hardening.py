"""The browser and the server (issue 14, points 6, 7 (the upload page) and 9), each attack made over real HTTP
against the real `tracker serve` (waitress) on a temp DuckDB file: forged Host headers (DNS rebinding), writes
without an Origin or from another scheme, a forged encoding posted to the upload callback, guessed logins from
one loopback address while another logs in; and the auth-file lines that are refused. The servers are stopped
at the end and their DuckDB files read: nothing the attacks sent was stored."""

from __future__ import annotations

import base64
import bz2
import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, run_tracker
from flask import Flask
from live_server import Server
from test_web_security import callback_body, dependencies

from dashboards import security

SEED = REPO / "data" / "demo" / "seed_figures.csv"
SEEDED = 7  # reports in the seed file
ALLOWED_NAME = "tracker.example"
# A line written by `python -m dashboards.security` before issue 14 (hex salt and scrypt hash).
LEGACY_LINE = "taras:000102030405060708090a0b0c0d0e0f:e96ec6ba8c63a23698220f37c7fc042925d430c7feadec9ceb04af03cabb9f2f"
LEGACY_PASSWORD = "correct horse battery"
PASSWORD = "correct horse"


def seeded_server(folder: Path, *args: str) -> Server:
    db_path = folder / "hardening.duckdb"
    loaded = run_tracker("import", SEED, db_path=db_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    server = Server(db_path, folder / "serve.log", args=args)
    server.start()
    return server


def stored_reports(server: Server) -> list[tuple]:
    """Stop the server (it owns the file) and read every stored report version from the file itself."""
    from tracker import db

    if server.process is not None and server.process.poll() is None:
        server.stop()
    store = db.open_store(str(server.db_path), read_only=True)
    try:
        return store.rows("select source, period_start, violations from reports order by stored_at")
    finally:
        store.close()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The loopback dashboard without a login (what a rebinding page aims at), one extra allowed name."""
    server = seeded_server(tmp_path_factory.mktemp("open"), "--allowed-host", ALLOWED_NAME)
    yield server
    server.kill()


@pytest.fixture(scope="module")
def login_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard with a login: one user written today, one written by the earlier tool."""
    folder = tmp_path_factory.mktemp("login")
    auth = folder / "users.txt"
    auth.write_text(f"# analysts\n{security.hash_line('olena', PASSWORD)}\n{LEGACY_LINE}\n", encoding="utf-8")
    server = seeded_server(folder, "--auth-file", str(auth))
    yield server
    server.kill()


def send(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None,
         source: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """One request to 127.0.0.1:port from the loopback address `source`, with exactly these headers (a
    given Host replaces the real one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def entry_body(url: str, day: int, violations: str = "9") -> bytes:
    """The entry form's submission, as the Dash renderer posts it: one dpr report for 2022-04-<day>."""
    values = {"entry-submit.n_clicks": 1, "entry-source.value": "dpr", "entry-timezone.value": "Europe/Kyiv",
              "entry-period_start.value": f"2022-04-{day:02d}T00:00",
              "entry-period_end.value": f"2022-04-{day + 1:02d}T00:00",
              "entry-violations.value": violations, "entry-qualifier.value": "exact",
              "entry-nonce.data": f"nonce-{day}"}
    return callback_body(dependencies(url), values, "entry-submit.n_clicks")


JSON = {"Content-Type": "application/json"}


# --- 6. DNS rebinding: only the Host values the server is reached by --------------------------------------

def test_a_request_for_another_host_is_refused_whatever_it_asks(open_server: Server) -> None:
    port = open_server.port
    forged = [f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"{ALLOWED_NAME}.evil.example",
              f"127.0.0.2:{port}", "", "127.0.0.1"]
    for host in forged:
        for method, path in (("GET", "/"), ("GET", "/_dash-layout"), ("GET", "/assets/plotly-basic.min.js"),
                             ("GET", "/reports"), ("GET", "/_dash-dependencies")):
            status, _, answer = send(port, method, path, {"Host": host})
            assert status == 403, (host, path, status)
            assert b"unknown host" in answer
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", ALLOWED_NAME,
                 f"{ALLOWED_NAME}:{port}", f"LOCALHOST:{port}"):
        status, _, _ = send(port, "GET", "/_dash-layout", {"Host": host})
        assert status == 200, host


def test_a_rebinding_page_cannot_write_even_with_its_own_origin(open_server: Server) -> None:
    port, url = open_server.port, open_server.url
    evil = f"evil.example:{port}"  # a name that resolves to 127.0.0.1: the browser sends it as Host and Origin
    status, _, answer = send(port, "POST", "/_dash-update-component",
                             {**JSON, "Host": evil, "Origin": f"http://{evil}", "Referer": f"http://{evil}/"},
                             entry_body(url, 1))
    assert status == 403 and b"unknown host" in answer


def test_a_write_without_origin_or_referer_or_from_another_scheme_is_refused(open_server: Server) -> None:
    port, url = open_server.port, open_server.url
    host = {"Host": f"127.0.0.1:{port}"}
    refused = [{}, {"Origin": f"https://127.0.0.1:{port}"}, {"Referer": f"https://127.0.0.1:{port}/entry"},
               {"Origin": "null", "Referer": f"{url}/entry"}, {"Origin": f"ftp://127.0.0.1:{port}"},
               {"Origin": f"http://localhost:{port}"}]
    for headers in refused:
        status, _, answer = send(port, "POST", "/_dash-update-component", {**JSON, **host, **headers},
                                 entry_body(url, 2))
        assert status == 403, headers
        assert answer == b"cross-origin request refused\n"
    # the same submission with the dashboard's own origin (by Origin, and by Referer alone) is stored
    for day, headers in ((3, {"Origin": url}), (4, {"Referer": url + "/entry"}),
                         (5, {"Host": f"{ALLOWED_NAME}:{port}", "Origin": f"http://{ALLOWED_NAME}:{port}"})):
        status, _, answer = send(port, "POST", "/_dash-update-component", {**JSON, **host, **headers},
                                 entry_body(url, day))
        assert status == 200, answer[:300]
        assert b"entry-saved" in answer


# --- 7. the upload callback reads only the encodings of the list -----------------------------------------

UPLOAD = b"source,period_start,period_end,violations\nlpr,2022-05-01,2022-05-01,3\n"


def upload_callback(url: str, changed: str, values: dict) -> tuple[int, bytes]:
    port = int(url.rsplit(":", 1)[1])
    body = callback_body(dependencies(url), values, changed)
    status, _, answer = send(port, "POST", "/_dash-update-component",
                             {**JSON, "Host": f"127.0.0.1:{port}", "Origin": url}, body)
    return status, answer


def preview_values(content: bytes, encoding: object) -> dict:
    contents = "data:text/csv;base64," + base64.b64encode(content).decode()
    return {"import-payload.data": {"contents": contents, "filename": "reports.csv"},
            "import-encoding.value": encoding, "import-delimiter.value": ","}


def test_a_forged_encoding_is_refused_by_the_upload_callback_with_a_message(open_server: Server) -> None:
    from tracker import vocab

    url = open_server.url
    bomb = bz2.compress(b"0" * 10_000_000)  # what bz2_codec would expand
    for encoding, content in (("bz2_codec", bomb), ("rot13", UPLOAD), ("base64_codec", UPLOAD),
                              ("hex_codec", UPLOAD), ("UTF-8 ", UPLOAD), ({"x": 1}, UPLOAD), (["utf-8"], UPLOAD)):
        status, answer = upload_callback(url, "import-payload.data", preview_values(content, encoding))
        assert status == 200, (encoding, answer[:300])
        response = json.loads(answer)["response"]
        shown = json.dumps(response["import-preview"])
        assert "unknown encoding" in shown and ", ".join(vocab.ENCODINGS) in shown, encoding
        assert response["import-token"]["data"] is None  # nothing kept, nothing offered for import
    status, answer = upload_callback(url, "import-payload.data",
                                     {**preview_values(UPLOAD, "utf-8"), "import-delimiter.value": "\n"})
    assert status == 200 and "unknown delimiter" in answer.decode()
    # the confirmation of a good preview, with the encoding forged after it
    status, answer = upload_callback(url, "import-payload.data", preview_values(UPLOAD, "utf-8"))
    token = json.loads(answer)["response"]["import-token"]["data"]
    assert status == 200 and token
    status, answer = upload_callback(url, "import-confirm.n_clicks", {
        "import-confirm.n_clicks": 1, "import-token.data": token, "import-encoding.value": "bz2_codec",
        "import-delimiter.value": ","})
    assert status == 200, answer[:300]
    assert "unknown encoding" in answer.decode() and "imported" not in answer.decode()
    # every encoding of the list is offered and read
    for encoding in vocab.ENCODINGS:
        status, answer = upload_callback(url, "import-payload.data",
                                         preview_values(UPLOAD.decode().encode(vocab.ENCODINGS[encoding]), encoding))
        assert status == 200 and "unknown encoding" not in answer.decode(), encoding


# --- 9. logins: throttled per address, old auth files still read -------------------------------------------

def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_guessed_logins_are_throttled_for_that_address_only(login_server: Server) -> None:
    port = login_server.port
    host = {"Host": f"127.0.0.1:{port}"}
    attacker, colleague = "127.0.0.3", "127.0.0.2"
    for guess in range(10):
        status, _, _ = send(port, "GET", "/", {**host, **basic("olena", f"guess {guess}")}, source=attacker)
        assert status == 401, guess
    for headers in (basic("olena", "guess 10"), basic("olena", PASSWORD), {}):  # even the right password waits
        status, answer_headers, answer = send(port, "GET", "/", {**host, **headers}, source=attacker)
        assert status == 429, headers
        wait = int(answer_headers["Retry-After"])
        assert 1 <= wait <= 60
        assert f"try again in {wait} s".encode() in answer
    # another address is not affected: both formats of the auth file log in
    assert send(port, "GET", "/", {**host, **basic("olena", PASSWORD)}, source=colleague)[0] == 200
    assert send(port, "GET", "/", {**host, **basic("taras", LEGACY_PASSWORD)}, source=colleague)[0] == 200
    assert send(port, "GET", "/", {**host, **basic("taras", "wrong")}, source=colleague)[0] == 401
    assert send(port, "GET", "/", host, source=colleague)[0] == 401  # no credentials: asked for them


def test_a_write_with_a_login_still_needs_the_origin(login_server: Server) -> None:
    port = login_server.port
    headers = {**JSON, "Host": f"127.0.0.1:{port}", **basic("olena", PASSWORD)}
    status, _, _ = send(port, "POST", "/_dash-update-component", headers, b"{}")
    assert status == 403
    login = {"Authorization": basic("olena", PASSWORD)["Authorization"]}
    deps_status, _, deps = send(port, "GET", "/_dash-dependencies", {"Host": f"127.0.0.1:{port}", **login})
    assert deps_status == 200 and json.loads(deps)


def test_the_wait_grows_with_the_guessing() -> None:
    """The windows are the same code with short limits: 3 in 2 s, then 6 in a minute."""
    server = Flask("throttled")
    server.add_url_rule("/x", "x", lambda: "ok")
    security.protect(server, {"olena": security.hash_line("olena", PASSWORD).split(":", 1)[1]},
                     login_limits="3 per 2 seconds; 6 per minute")
    client = server.test_client()

    def login(password: str, address: str = "127.0.0.9"):  # noqa: ANN202
        return client.get("/x", headers=basic("olena", password), environ_base={"REMOTE_ADDR": address})

    assert [login(f"guess {i}").status_code for i in range(3)] == [401] * 3
    first = login("guess 3")
    assert first.status_code == 429 and 1 <= int(first.headers["Retry-After"]) <= 2
    time.sleep(int(first.headers["Retry-After"]) + 0.1)
    assert [login(f"guess {i}").status_code for i in range(4, 7)] == [401] * 3
    second = login(PASSWORD)
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 50
    assert login(PASSWORD, "127.0.0.8").data == b"ok"


@pytest.mark.parametrize("line,problem", [
    ("olena:00112233:" + "ab" * 32, "line 2: the salt is 4 bytes, fewer than 16"),
    ("olena:" + "00" * 16 + ":", "line 2: the hash is empty"),
    ("olena:scrypt:32768:8:1$shortsalt$" + "ab" * 64, "line 2: the salt is 9 bytes, fewer than 16"),
    ("olena:scrypt:32768:8:1$" + "s" * 16 + "$", "line 2: the hash is empty"),
    ("olena:plaintext", "line 2: expected user:method$salt$hash"),
    ("olena", "line 2: expected user:method$salt$hash"),
])
def test_an_auth_file_line_with_a_weak_or_missing_hash_is_refused(tmp_path: Path, line: str, problem: str) -> None:
    from tracker.cli import main

    auth = tmp_path / "users.txt"
    auth.write_text(f"{LEGACY_LINE}\n{line}\n", encoding="utf-8")
    db_path = tmp_path / "never.duckdb"
    result = CliRunner().invoke(main, ["serve", "--db", str(db_path), "--auth-file", str(auth)])
    assert result.exit_code == 1, result.output
    assert f"error: {auth}, {problem}" in result.output
    assert "python -m dashboards.security USER" in result.output
    assert not db_path.exists()  # refused before the store is opened


def test_an_allowed_host_that_is_not_a_name_is_refused(tmp_path: Path) -> None:
    from tracker.cli import main

    db_path = tmp_path / "never.duckdb"
    result = CliRunner().invoke(main, ["serve", "--db", str(db_path), "--allowed-host", "evil.example/x"])
    assert result.exit_code == 1
    assert "--allowed-host: 'evil.example/x' is not a host name" in result.output
    assert not db_path.exists()


# --- what reached the files --------------------------------------------------------------------------------

def test_nothing_the_attacks_sent_was_stored(open_server: Server, login_server: Server) -> None:
    assert stored_reports(login_server)[SEEDED:] == []
    added = stored_reports(open_server)[SEEDED:]
    assert [(source, violations) for source, _, violations in added] == [("dpr", 9)] * 3  # days 3, 4 and 5
