"""The Reports page's "Download a backup": the zip it serves, unzipped and given to the real
`tracker restore`, brings back the same store (same export, byte for byte; same stored versions)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import run_tracker

from dashboards import components, scratch
from dashboards.app import create_app
from tracker import db, export, ingest, queries
from tracker.schema import CountReport


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return create_app(str(tmp_path_factory.mktemp("app") / "app.duckdb"))


@pytest.fixture
def reports(app, demo_store: db.Store):
    from dashboards.pages import reports

    components.set_store(demo_store)
    yield reports
    components.set_store(None)


def test_the_backup_download_restores_to_the_same_store(reports, app, demo_store: db.Store, tmp_path: Path) -> None:
    first = demo_store.value("select id from current_reports where source = 'ua_mod' and violations = 52")
    values = {k: v for k, v in queries.current_report(demo_store, first).items() if k != "id" and v is not None}
    ingest.edit_report(demo_store, first, CountReport(**{**values, "notes": "corrected"}), recorded_by="test")

    token, name, summary = reports.backup_download(demo_store)
    assert re.fullmatch(r"tracker-backup-\d{8}-\d{6}\.zip", name)
    response = app.server.test_client().get(f"/download/{token}/{name}")
    assert response.status_code == 200
    content = response.data
    assert content == scratch.path(token).read_bytes()

    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        archive.extractall(unzipped)
    folder = unzipped / name.removesuffix(".zip")
    assert (folder / "manifest.json").is_file()

    restored_db = tmp_path / "restored.duckdb"
    result = run_tracker("restore", folder, db_path=restored_db)
    assert result.returncode == 0, result.stderr

    original_csv, restored_csv = tmp_path / "original.csv", tmp_path / "restored.csv"
    export.export_reports(demo_store, str(original_csv))
    restored = db.open_store(str(restored_db))
    try:
        export.export_reports(restored, str(restored_csv))
        versions = restored.value("select count(*) from reports")
        notes = restored.value("select notes from current_reports where notes = 'corrected'")
    finally:
        restored.close()
    assert restored_csv.read_bytes() == original_csv.read_bytes()
    assert versions == demo_store.value("select count(*) from reports") == summary.versions
    assert notes == "corrected"


def test_the_backup_callback_answers_with_a_download_link_or_an_alert(reports, app, monkeypatch) -> None:
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        alert, url = reports.download_backup(1)
    assert re.fullmatch(r"/download/[A-Za-z0-9_-]+/tracker-backup-\d{8}-\d{6}\.zip", url)
    assert "Backed up" in str(alert)
    assert app.server.test_client().get(url).data[:2] == b"PK"

    def broken(_store, _out):
        raise db.DatabaseError("disk full", "free some space and try again")

    monkeypatch.setattr(reports.backup, "backup_store", broken)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        alert, url = reports.download_backup(2)
    assert url is reports.dash.no_update
    assert "disk full" in str(alert) and alert.color == "danger"
