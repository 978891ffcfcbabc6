"""`tracker brief` (issue 16, point 4): one self-contained HTML file of a period. On the whole demo for
14-23 Feb 2022 it opens in Chromium with every network request refused and draws every chart; its text is
escaped; it states what it was made from. A screenshot is kept in test-output/brief.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from tracker import db, ingest, validate
from tracker.cli import main

CHROMIUM = "/usr/bin/chromium"
SHOTS = REPO / "test-output"


@pytest.fixture
def brief_file(full_demo_store: db.Store, db_path: Path, tmp_path: Path) -> Path:
    hostile = validate.check_record({
        "source": "lpr", "period_start": "2022-02-20T10:00", "period_end": "2022-02-20T12:00", "violations": "1",
        "accused_party": "ukraine", "region": "luhansk", "channel": "</script><script>alert(1)</script>",
        "quote": "<img src=x onerror=alert(2)>", "source_url": "https://example.org/?a=<b>&c=\"d\""},
        validate.registered_sources(full_demo_store))
    ingest.add_report(full_demo_store, hostile, recorded_by="test")
    full_demo_store.close()
    out = tmp_path / "brief.html"
    result = CliRunner().invoke(main, ["brief", "--db", str(db_path), "--from", "2022-02-14", "--to", "2022-02-23",
                                       str(out)])
    assert result.exit_code == 0, result.output
    assert (result.output.startswith(f"wrote {out} (")
            and "brief of 2022-02-14 to 2022-02-23, region all" in result.output)
    return out


def test_the_brief_states_what_it_is_made_from_and_escapes_every_text(brief_file: Path) -> None:
    text = brief_file.read_text(encoding="utf-8")
    assert "<dt>calendar zone</dt><dd>Europe/Kyiv</dd>" in text
    assert "<dt>tracker</dt><dd>version " in text and "<dt>as of</dt><dd>everything stored when made (" in text
    assert "How the figures are counted" in text and "rule 3" in text
    assert "<script>alert(1)" not in text and "<img src=x" not in text  # nowhere: not in tables, not in JSON
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert 'href="https://example.org/?a=&lt;b&gt;&amp;c=&quot;d&quot;"' in text


def test_the_brief_opens_offline_with_every_chart_drawn(brief_file: Path) -> None:
    if not os.path.exists(CHROMIUM):  # pragma: no cover
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
        refused: list[str] = []

        def route(request_route) -> None:  # noqa: ANN001
            if request_route.request.url.startswith("file:"):
                request_route.continue_()
            else:
                refused.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(brief_file.as_uri())
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length == 3")
        drawn = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot')).map("
                              "g => [g.id, g.data.length, g.querySelectorAll('.trace').length])")
        assert [name for name, _, _ in drawn] == ["readings", "claims", "sources"]
        assert all(traces > 0 and shown > 0 for _, traces, shown in drawn), drawn
        claims = page.evaluate("() => Object.fromEntries(document.getElementById('claims').data.map("
                               "t => [t.name, t.y[t.x.indexOf('2022-02-17')]]))")
        assert claims["Ukraine MoD / JFO HQ"] == 60 and claims["LPR"] == -29  # the Compare page's figures
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        sections = page.locator("h2").all_inner_texts()
        assert sections[:4] == ["Charts", "The day's reading", "Flagged days: where the sources disagree",
                                "Spikes and “highest since”"]
        assert sections[4].startswith("The reports behind it (")
        assert page.locator("section:has(h2:text-is('Flagged days: where the sources disagree')) tbody tr").count() > 0
        assert "highest on record" in page.inner_text("section:has(h2:text-is('Spikes and “highest since”'))")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "brief.png"), full_page=True)
        page.emulate_media(media="print")
        assert page.pdf(format="A4", landscape=True)[:4] == b"%PDF"
        browser.close()
    assert errors == [] and refused == []
