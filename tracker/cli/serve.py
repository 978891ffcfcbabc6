"""`tracker serve`: the Dash dashboard behind waitress, a production WSGI server.

One process with threads: DuckDB allows one writing process, so the server owns the database file and
every write of the dashboard goes through its one store (one writer at a time, under the store's lock).

It answers only the Host names it is reached by (127.0.0.1, localhost, [::1] and --host, with its port,
and each --allowed-host), so a page of another domain that resolves to this address (DNS rebinding) gets
403; with --auth-file, failed logins are throttled per client address (429 with Retry-After).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import sys

import click

from tracker.cli import main
from tracker.cli.options import db_option

THREADS = 8


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_dashboard(db_path: str | None, host: str = "127.0.0.1", port: int = 8050,
                    auth_file: str | None = None, allowed_hosts: tuple[str, ...] = ()) -> None:
    """Serve the dashboard on host:port until stopped (Ctrl+C or SIGTERM). A host other than loopback
    needs `auth_file` (a login), since the dashboard can write to the database. Requests whose Host is not
    a loopback name, `host` or one of `allowed_hosts` (names, maybe with a port) are refused."""
    if not _is_loopback(host) and not auth_file:
        raise ValueError(f"refusing to serve on {host} without a login: give --auth-file "
                         "(lines written by `python -m dashboards.security USER`), "
                         "or serve on 127.0.0.1")
    import waitress

    from tracker.db import default_path

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s: %(message)s")

    from dashboards.app import DEFAULT_UPLOAD_LIMIT_MB, create_app

    limit = int(os.environ.get("TRACKER_UPLOAD_LIMIT_MB") or DEFAULT_UPLOAD_LIMIT_MB)
    app = create_app(db_path or default_path(), auth_file=auth_file, upload_limit_mb=limit,
                     served_at=(host, port), allowed_hosts=allowed_hosts)
    store = app.server.config["TRACKER_STORE"]

    try:
        server = waitress.create_server(
            app.server, host=host, port=port, threads=THREADS, ident="tracker",
            # above Flask's MAX_CONTENT_LENGTH, so that Flask answers an oversized upload with the message
            max_request_body_size=app.server.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)
    except OSError as error:  # the port is taken (a `tracker serve` or `tracker demo` already running), or barred
        store.close()
        raise ValueError(f"cannot serve on {host}:{port}: {error.strerror or error} (another `tracker serve` or "
                         "`tracker demo` may be running there); stop it, or give another port with --port N") from None

    def _stop(*_args: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {store.path} on http://{shown}:{port}/ (Ctrl+C to stop)"
               + (" with login" if auth_file else ""))
    if host in ("0.0.0.0", "::") and not allowed_hosts:
        click.echo(f"note: only requests for 127.0.0.1:{port}, localhost:{port} and [::1]:{port} are answered; "
                   "give the names this machine is reached by with --allowed-host NAME")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    # Stop taking requests, write everything to the database file, and leave without tearing down the
    # worker threads' connections one by one (they are daemon threads; DuckDB's file is consistent).
    server.close()
    with store.transaction():
        pass
    store.execute("checkpoint")
    click.echo("stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --auth-file.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--auth-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Users who may log in (HTTP Basic): lines of user:hash, written by "
                   "`python -m dashboards.security USER`. Failed logins are throttled per address.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A Host name (maybe NAME:PORT) the dashboard is reached by, besides 127.0.0.1, "
                   "localhost, [::1] and --host; repeatable. Other Host values are refused (403).")
@db_option
def serve(host: str, port: int, auth_file: str | None, allowed_hosts: tuple[str, ...],
          db_path: str | None) -> None:
    """Serve the dashboard (trends, discrepancies, entry form, import, reports) with waitress.

    The server owns the database file while it runs: use the dashboard's import and export, or stop
    the server, before running other commands on the same file.
    """
    if not _is_loopback(host) and not auth_file:
        raise click.BadParameter(
            f"{host} is not a loopback address; serving it without a login would let anyone on the "
            "network change the database. Give --auth-file, or use 127.0.0.1.", param_hint="--host")
    serve_dashboard(db_path, host=host, port=port, auth_file=auth_file, allowed_hosts=allowed_hosts)
