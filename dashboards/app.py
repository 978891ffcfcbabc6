"""The dashboard's shell: one Dash app, one store, a navbar and the pages.

`create_app(db_path)` opens the store (the server process owns the DuckDB file: DuckDB allows one
writing process), installs the Host, same-origin and login checks, the upload size limit and the download
route, then imports the pages (each registers itself with `dash.register_page`). Shared state lives here
only; each page's `layout(**kwargs)` re-reads the database on every visit.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import plotly.utils
from dash import Dash, html
from flask import Response, abort, request, send_file

from dashboards import components, scratch, security
from tracker import db

# Served from here, so the dashboard works without a network: Bootstrap 5.3.9's CSS (npm package
# bootstrap, MIT) and plotly.js 4.1.1's "basic" bundle (npm plotly.js-basic-dist-min, MIT; scatter, bar
# and pie only, the same version as the python plotly package's). With window.Plotly defined by the
# basic bundle, dcc.Graph does not load the full 4.8 MB plotly.js: the first paint is ~1 s sooner.
ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = ("overview", "compare", "entry", "upload", "reports")
DEFAULT_UPLOAD_LIMIT_MB = 50


def _navbar(db_name: str) -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()
    ]
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand("Ceasefire tracker", href="/"),
            dbc.Nav(links, navbar=True, className="me-auto flex-row flex-wrap column-gap-3"),
            html.Span(db_name, className="navbar-text small text-white-50", title="the database"),
        ], fluid=True),
        color="dark", dark=True, className="mb-3", expand=True,  # the links always shown, wrapping when narrow
    )


def _too_large(limit_mb: int):  # noqa: ANN202
    message = (f"The file is larger than the upload limit of {limit_mb} MB. Split it into smaller files, "
               "or ask the administrator to raise the limit (environment variable TRACKER_UPLOAD_LIMIT_MB "
               "of `tracker serve`).")

    def handler(_error: Exception) -> Response:
        if request.path.endswith("_dash-update-component"):
            # Answer the upload callback itself, so the page shows the message where the preview goes.
            alert = dbc.Alert([html.Strong("File too large: "), message], color="danger")
            body = {"multi": True, "response": {"import-preview": {"children": alert}}}
            return Response(json.dumps(body, cls=plotly.utils.PlotlyJSONEncoder), status=200,
                            mimetype="application/json")
        return Response(message + "\n", status=413, mimetype="text/plain")

    return handler


def create_app(db_path: str | None = None, *, auth_file: str | None = None,
               upload_limit_mb: int = DEFAULT_UPLOAD_LIMIT_MB, store: db.Store | None = None,
               served_at: tuple[str, int] | None = None, allowed_hosts: Sequence[str] = ()) -> Dash:
    """The dashboard on the store at `db_path` (or on an open `store`). When `served_at` (host, port) is
    given, only the Host values it is reached by are answered (loopback names, the host, `allowed_hosts`);
    without it no Host is checked (an app driven in process)."""
    hosts = security.allowed_hosts(*served_at, allowed_hosts) if served_at else None
    users = security.read_auth_file(auth_file) if auth_file else None  # refused before the store is opened
    store = store or db.open_store(db_path)
    components.set_store(store)
    app = Dash(
        __name__,  # dashboards.app: a module with a file, whatever the install looks like
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        title="Ceasefire tracker",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        enable_mcp=False,
    )
    server = app.server
    # An upload travels base64-encoded inside the callback's JSON: 4/3 of the file, plus the request.
    server.config["MAX_CONTENT_LENGTH"] = upload_limit_mb * 1024 * 1024 * 4 // 3 + 256 * 1024
    server.config["TRACKER_UPLOAD_LIMIT"] = upload_limit_mb * 1024 * 1024
    server.config["TRACKER_STORE"] = store
    server.register_error_handler(413, _too_large(upload_limit_mb))
    security.protect(server, users, script_hashes=app.csp_hashes, hosts=hosts)

    @server.route("/download/<token>/<name>")
    def _download(token: str, name: str):  # noqa: ANN202
        found = scratch.path(token)
        if found is None or found.name != name:
            abort(404)
        return send_file(found, as_attachment=True, download_name=found.name)

    for page in PAGES:  # imported after the app exists: register_page needs it
        name = f"dashboards.pages.{page}"
        module = importlib.reload(sys.modules[name]) if name in sys.modules else importlib.import_module(name)
        dash.page_registry[name]["layout"] = module.layout  # what Dash does for a scanned pages folder

    app.layout = html.Div([
        _navbar(Path(store.path).name),
        dbc.Container(dash.page_container, fluid=True, className="pb-5"),
    ])
    return app
