"""The real dashboard server for tests: `python -m tracker serve` on a DuckDB file and a loopback port,
started, waited for, stopped (or killed); and a helper that runs work in threads started together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO
from postgres_cluster import free_port

HOST = "127.0.0.1"


@dataclass
class Server:
    """`python -m tracker serve` on a DuckDB file, on a loopback port."""

    db_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # more options of `tracker serve`

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until it answers. Its port was free when chosen, but a test file running
        beside this one may take it first: this server then cannot bind it, and starts again on another port.
        An answer counts only once this server has said it is serving (it binds before it says so), so that
        another process on the port is never taken for it."""
        for _attempt in range(3):
            if self._started(timeout):
                return
            self.port = free_port()
        raise AssertionError("tracker serve found no free port:\n" + self.log_path.read_text())

    def _started(self, timeout: float) -> bool:
        """True once it answers; False when its port was taken; AssertionError when it failed otherwise."""
        before = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "a")  # noqa: SIM115 - the child holds it; closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "serve", "--db", str(self.db_path), "--port", str(self.port), *self.args],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TRACKER_DB": "", **self.env})
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            said = self.log_path.read_text()[before:]
            if f":{self.port}/ (Ctrl+C to stop)" in said:
                try:
                    with urllib.request.urlopen(self.url + "/_dash-layout", timeout=2) as response:
                        if response.status == 200:
                            return True
                except urllib.error.HTTPError:
                    return True  # it answers: a login is asked for
                except OSError:
                    pass
            if self.process.poll() is not None and "already in use" in said:
                return False
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError("tracker serve did not start:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM: the server checkpoints and leaves."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            assert self.process.wait(timeout=30) == 0, self.log_path.read_text()
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)


def run_threads(count: int, work, timeout: float = 1800) -> list:  # noqa: ANN001
    """Run work(index, barrier) in `count` threads started together; returns their results, re-raising
    the first error."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = work(index, barrier)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    return results


@contextmanager
def demo_server(folder: Path) -> Iterator[Server]:
    """`tracker serve` on a new DuckDB file in `folder` holding the whole demo of `tracker demo` (the seed,
    the OSCE SMM, the parties' claims), loaded by the production import; stopped on leaving."""
    from tracker import db, demo, ingest

    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "demo.duckdb"
    with db.open_store(str(db_path)) as store:
        for report in ingest.import_files(store, demo.demo_files() + demo.claim_files(), recorded_by="test"):
            assert report.ok, report.problems
    server = Server(db_path, folder / "serve.log", env={})
    server.start()
    try:
        yield server
    finally:
        server.stop()

