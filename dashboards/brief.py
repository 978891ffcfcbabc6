"""The brief: one self-contained HTML file of a period, to send to colleagues (`tracker brief`, and the
button on the Compare page).

It holds the charts of the dashboard (the day readings, the parties' claims against the monitor, each
source's daily figures in its own panel) drawn by plotly.js embedded in the file, so it opens with no
network; the flagged days with their explanations; each source's spikes and "highest since"; every report
behind the figures, with its link; and what it was made from: the tracker's version, the as-of time, the
calendar zone and the counting rules. A print stylesheet lays it out for paper or PDF.

Built beside the dashboard: it draws with plotly, which the `tracker` package never imports; the CLI
reaches it lazily (tracker/cli/brief.py), as `tracker serve` reaches the app. Every text that comes from
the store (names, quotes, links, explanations) is HTML-escaped; inside the charts' JSON every `<` is
written `\\u003c`, so no text can close the script that holds it.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import plotly.utils

from dashboards import components as c
from dashboards import figures
from dashboards import readings_figures as rf
from tracker import analysis, queries, validate, vocab
from tracker.db import Store

PLOTLY_JS = Path(__file__).resolve().parent / "assets" / "plotly-basic.min.js"
METRIC = "violations"
COUNTING_RULES = (
    "Days are calendar days in the store's calendar zone; a window of up to 24 hours counts whole on the day "
    "that holds most of it, a longer one is spread over the days it covers that have no finer figure (those "
    "days are estimated).",
    "Among reports of the same window, the latest reported_at that gives a figure wins (rule 3); nested "
    "windows are cumulative, never summed (an intraday snapshot is an incomplete figure, a lower bound).",
    "A blank is not reported, never zero. Sources count in different units: they are compared as ratios "
    "and each against its own 30-day baseline (escalation index: a robust z-score; spike at 3.5 or more, "
    "raised at 2 or more), never subtracted.",
    "A party's violations are its accusations of the other side; a day's reading says which side claims an "
    "escalation and whether the monitor (OSCE SMM) corroborates it.",
)


@dataclass(frozen=True)
class BriefChoice:
    """What a brief is of: the days (inclusive), a region, the sources (none: every one) and the as-of time."""

    date_from: date
    date_to: date
    region: str = "all"
    sources: tuple[str, ...] = ()
    as_of: str | None = None
    made_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def filename(self) -> str:
        parts = ["brief", self.region, self.date_from.isoformat(), self.date_to.isoformat(), *self.sources]
        return "_".join(parts) + ".html"


def _e(value: object) -> str:
    return html.escape(c.plain(value), quote=True)


def _version() -> str:
    try:
        return importlib.metadata.version("ceasefire-tracker")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def _calendar_tz(store: Store) -> str:
    from tracker import series

    reader = getattr(series, "calendar_tz", None)  # a store's own calendar zone, where stores have one
    return reader(store) if reader else vocab.DEFAULT_TIMEZONE


def _figure_json(fig: go.Figure | dict[str, Any]) -> str:
    """A figure as JSON that is safe inside a <script>: every `<` escaped."""
    plain = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    text = json.dumps(plain, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _chart(name: str, fig: go.Figure | dict[str, Any], caption: str) -> str:
    return (f'<figure class="chart"><div class="plot" id="{name}" data-figure="{name}"></div>'
            f'<script type="application/json" id="{name}-figure">{_figure_json(fig)}</script>'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


LONG = ("explanation", "quote", "figures", "source")  # wrap anywhere (long text, links)
WHOLE = ("day", "reported_at", "figure", "index")  # never broken (a hyphen would break a date)


def _table(frame: pd.DataFrame, columns: dict[str, str], *, links: tuple[str, ...] = (),
           empty: str = "none") -> str:
    if frame.empty:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(label)}</th>" for label in columns.values())
    rows = []
    for rec in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        cells = []
        for column in columns:
            value = rec.get(column)
            kind = "long" if column in LONG else "whole" if column in WHOLE else "text"
            if column in links and c.is_http_url(value):
                url = str(value).strip()
                host = urlsplit(url).hostname or url  # the page's host as the link's text; the link is whole
                cells.append(f'<td class="{kind}"><a href="{html.escape(url, quote=True)}" title="{_e(url)}" '
                             f'rel="noopener noreferrer">{_e(host.removeprefix("www."))}</a></td>')
            else:
                cells.append(f'<td class="{kind}">{_e(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _day(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def spike_rows(trend: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Each source's days at spike or raised in the period, with the escalation index and "highest since"."""
    if trend.empty:
        return pd.DataFrame(columns=["source", "day", "figure", "level", "index", "highest"])
    part = trend[trend["level"].isin(["spike", "raised"])].copy()
    highest = []
    for rec in part.itertuples():
        if bool(getattr(rec, "highest_on_record", False)):
            highest.append("highest on record")
        elif rec.highest_since is not None and not pd.isna(rec.highest_since):
            highest.append(f"highest since {_day(rec.highest_since)}")
        else:
            highest.append("")
    return pd.DataFrame({
        "source": part["source"].map(lambda s: names.get(s, s)), "day": part["day"].map(_day),
        "figure": part["value"].map(lambda v: f"{v:,.4g}" if v == v else ""), "level": part["level"],
        "index": part["escalation_index"].map(lambda v: f"{v:.1f}" if v == v else ""), "highest": highest,
    })


def build(store: Store, choice: BriefChoice) -> str:
    """The brief of `choice` as one HTML document."""
    names = validate.registered_sources(store)
    sources = list(choice.sources) or None
    span = dict(date_from=choice.date_from, date_to=choice.date_to, as_of=choice.as_of)
    readings = analysis.compare_report(store, regions=[choice.region], sources=sources, **span)
    trend = analysis.trend_report(store, sources=sources, region=choice.region, metric=METRIC, **span)
    flagged = analysis.discrepancy_report(store, regions=[choice.region], only_flagged=True, **span)
    if sources:
        flagged = flagged[flagged["source_a"].isin(sources) & flagged["source_b"].isin(sources)]
    behind = queries.reports_in_period(store, choice.date_from, choice.date_to, region=choice.region,
                                       sources=sources, as_of=choice.as_of, tz=_calendar_tz(store))
    order = [s for s in names if s in set(trend["source"])] if not trend.empty else []
    panels = figures.small_multiples(trend, metric=METRIC, names=names, sources=order)
    charts = [
        _chart("readings", rf.timeline_figure(readings, METRIC),
               "Each day coloured by which side claims an escalation; the monitor's verdict marked above it."),
        _chart("claims", rf.mirrored_figure(readings, names=names, metric=METRIC),
               "Each side's claims against the other, mirrored around the axis (each source in its own unit), "
               "and the monitor's series below. Half-transparent bars: incomplete figures; hatched: estimated."),
        _chart("sources", panels, "Each source's daily violations on its own axis: star = spike, triangle = raised "
                                  "or low against its own 30-day baseline; rings = incomplete; dotted = estimated."),
    ]
    verdicts = {key: text.removeprefix("the monitor ") for key, (_, text) in rf.MONITOR_SYMBOLS.items()}
    day_rows = rf.day_readings(readings).assign(
        day=lambda f: f["day"].map(_day), reading=lambda f: f["reading"].map(rf.READING_LABELS),
        monitor=lambda f: f["monitor"].map(lambda v: verdicts.get(v, c.plain(v).replace("_", " "))))
    flagged_rows = flagged.assign(
        day=flagged["day"].map(_day), source_a=flagged["source_a"].map(lambda s: names.get(s, s)),
        source_b=flagged["source_b"].map(lambda s: names.get(s, s)),
        kind=flagged["kind"].map(lambda k: c.plain(k).replace("_", " ")),
        metric=flagged["metric"].map(lambda m: c.plain(m).replace("_", " ")))
    report_rows = behind.assign(
        source=[names.get(s, s) + (f" ({ch})" if isinstance(ch, str) and ch else "")
                for s, ch in zip(behind["source"], behind["channel"], strict=True)],
        window=[f"{a} → {b} {z}" for a, b, z in zip(behind["period_start"], behind["period_end"], behind["timezone"],
                                                     strict=True)],
        figures=behind.apply(_figures_text, axis=1) if not behind.empty else "")
    return _page(store, choice, names, charts, [
        ("The day's reading", _table(day_rows, {"day": "day", "reading": "reading", "monitor": "monitor",
                                                "explanation": "explanation"}, empty="no figure in this period")),
        ("Flagged days: where the sources disagree", _table(flagged_rows, {
            "day": "day", "region": "region", "metric": "metric", "source_a": "source a", "source_b": "source b",
            "grade": "grade", "kind": "kind", "explanation": "explanation"},
            empty="no pair of sources diverges or contradicts in this period")),
        ("Spikes and “highest since”", _table(spike_rows(trend, names), {
            "source": "source", "day": "day", "figure": "figure", "level": "level", "index": "escalation index",
            "highest": "highest since"}, empty="no source at spike or raised in this period")),
        (f"The reports behind it ({len(behind)})", _table(report_rows, {
            "source": "source (channel)", "window": "window (local)", "region": "region",
            "reported_at": "reported at", "figures": "figures",
            "qualifier": "qualifier", "source_url": "link", "quote": "quote"}, links=("source_url",),
            empty="no report in this period")),
    ])


def _figures_text(rec: pd.Series) -> str:
    return ", ".join(f"{m.replace('_', ' ')} {int(rec[m])}" for m in vocab.METRICS if rec.get(m) is not None
                     and not pd.isna(rec.get(m)))


STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2d3d; margin: 24px auto;
       max-width: 1200px; padding: 0 16px; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7e2; }
.meta { color: #555; font-size: 0.9rem; } .muted { color: #777; }
dl.made { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 0.9rem; }
dl.made dt { color: #555; } dl.made dd { margin: 0; }
figure.chart { margin: 1rem 0; } figcaption { font-size: 0.85rem; color: #555; }
.plot { width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; table-layout: auto; }
th, td { border-bottom: 1px solid #e5ecf6; padding: 4px 6px; text-align: left; vertical-align: top; }
td.whole { white-space: nowrap; } td.long { overflow-wrap: anywhere; } td.text { overflow-wrap: break-word; }
th { background: #f4f6fa; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  figure.chart, tr { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .noprint { display: none; }
}
"""

SCRIPT = """
(function () {
  var plots = document.querySelectorAll('.plot[data-figure]');
  plots.forEach(function (div) {
    var figure = JSON.parse(document.getElementById(div.id + '-figure').textContent);
    var layout = Object.assign({}, figure.layout || {}, {autosize: true});
    delete layout.width;
    Plotly.newPlot(div, figure.data || [], layout, {displaylogo: false, responsive: true, staticPlot: false});
  });
  function fit() { plots.forEach(function (div) { Plotly.Plots.resize(div); }); }
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
})();
"""


def _page(store: Store, choice: BriefChoice, names: dict[str, str], charts: list[str],
          sections: list[tuple[str, str]]) -> str:
    chosen = ", ".join(names.get(s, s) for s in choice.sources) or "every source"
    title = f"Ceasefire brief: {choice.date_from:%d %b %Y} – {choice.date_to:%d %b %Y}, region {choice.region}"
    as_of = (f"as stored before {choice.as_of}" if choice.as_of
             else f"everything stored when made ({choice.made_at:%Y-%m-%d %H:%M} UTC)")
    made = [
        ("period", f"{choice.date_from.isoformat()} to {choice.date_to.isoformat()} (inclusive)"),
        ("region", choice.region), ("sources", chosen), ("as of", as_of),
        ("calendar zone", _calendar_tz(store)), ("tracker", f"version {_version()}"),
        ("made", f"{choice.made_at:%Y-%m-%d %H:%M} UTC"),
    ]
    rules = "".join(f"<li>{_e(rule)}</li>" for rule in COUNTING_RULES)
    body = "".join(f"<section><h2>{_e(heading)}</h2>{content}</section>" for heading, content in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><style>{STYLE}</style>"
        f"<script>{PLOTLY_JS.read_text(encoding='utf-8')}</script></head><body>"
        f"<header><h1>{_e(title)}</h1><dl class=\"made\">"
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in made)
        + f"</dl><details open><summary>How the figures are counted</summary><ul class=\"meta\">{rules}</ul>"
        "<p class=\"meta\">The full rules: docs/counting.md and docs/analysis.md of the tracker.</p></details></header>"
        f"<section><h2>Charts</h2>{''.join(charts)}</section>{body}"
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_brief(store: Store, out: str | Path, choice: BriefChoice) -> Path:
    """Write the brief of `choice` to `out` (UTF-8); returns the path."""
    path = Path(out)
    path.write_text(build(store, choice), encoding="utf-8")
    return path
