"""The typed count report: one party's published count of violations over one reporting window.

`CountReport` is what the form and `tracker add` validate against. The CSV import checks the same rules
in SQL (tracker/validate.py, sql/import/); a test proves that both agree on every file in the catalogue of
good and bad inputs. The patterns below are shared by both.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from tracker import problems, vocab
from tracker.vocab import Qualifier

# Shared with the SQL checks (passed to them as parameters).
# A one-digit hour (`2023-05-16 3:30`) is read as 03:30; a count written with only zeros after the point
# (`2.0`, `68.00`, as pandas and R export a column with blanks) is that whole number.
DATETIME_PATTERN = r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2})(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?$"
INTEGER_PATTERN = r"^[0-9]+(\.0+)?$"
NEGATIVE_PATTERN = r"^-[0-9]+(\.0*)?$"
DECIMAL_PATTERN = r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+)$"
URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
MAX_COUNT = 2**63 - 1
# Plausible dates (CONTRACT §2): local calendar days in the row's time zone, an offset of at most ±14:00,
# and a window of at most 3 years.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
MAX_OFFSET_MINUTES = 14 * 60
MAX_WINDOW_YEARS = 3

_DATETIME_RE = re.compile(DATETIME_PATTERN)


def _field(info: ValidationInfo) -> str:
    """The name of the field a validator checks (always set for a field validator)."""
    assert info.field_name is not None
    return info.field_name


def _fail(code: str, column: str, value: object = None, other: object = None) -> PydanticCustomError:
    return PydanticCustomError(
        code, problems.message(code, column=column, value=value, other=other), {"column": column}
    )


class MomentProblem(ValueError):
    """Why a text is not a usable moment: a problem code (bad-date, offset-out-of-range,
    nonexistent-local-time, date-out-of-range) and the `other` of its message."""

    def __init__(self, code: str, other: object = None):
        super().__init__(code)
        self.code = code
        self.other = other


def _local_clock(text: str) -> datetime | None:
    match = _DATETIME_RE.fullmatch(text)
    if not match or match.group(2) is None:
        return None
    try:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2).zfill(5)}{match.group(3) or ':00'}")
    except ValueError:
        return None


def _in_gap(clock: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time never shows in `zone` (clocks jumped over it)."""
    there = clock.replace(tzinfo=zone).astimezone(dt_timezone.utc).astimezone(zone)
    return there.replace(tzinfo=None) != clock


def describe_gap(text: str, tz: str) -> str:
    """'Europe/Kyiv: clocks went from 03:00 to 04:00' for a local time in a spring gap of `tz`."""
    clock = _local_clock(text)
    zone = ZoneInfo(tz)
    if clock is None or not _in_gap(clock, zone):
        return tz
    before = clock.replace(tzinfo=zone, fold=0).utcoffset() or timedelta(0)  # in a gap, fold 0 is the old offset
    after = clock.replace(tzinfo=zone, fold=1).utcoffset() or timedelta(0)
    low, high = clock - after, clock - before  # the change happened (in UTC) after `low`, by `high`
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.replace(tzinfo=dt_timezone.utc).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    change = high.replace(microsecond=0)
    start, end = change + before, change + after
    form = "%H:%M:%S" if start.second or end.second else "%H:%M"
    if start.date() != end.date():
        form = "%Y-%m-%d " + form
    return f"{tz}: clocks went from {start.strftime(form)} to {end.strftime(form)}"


def read_moment(text: str, tz: str, *, end: bool = False) -> datetime:
    """A canonical date or date-time as an aware datetime, or MomentProblem.

    A date-only `end` means the end of that day (the start of the next); a naive date-time is read in `tz`
    (in an autumn fold, the first occurrence: the earlier instant). Refused: what is not a date
    (`bad-date`), an offset beyond ±14:00, a local time in a spring gap, and a local day (in `tz`; for an
    end, the day of its last moment) outside 1900-01-01 … 2199-12-31. The SQL of sql/import/parsed_rows.sql
    decides the same, in the same order.
    """
    match = _DATETIME_RE.fullmatch(text)
    if not match:
        raise MomentProblem("bad-date")
    day_text, hhmm, seconds, offset = match.groups()
    hhmm = hhmm.zfill(5) if hhmm else hhmm
    try:
        day = date.fromisoformat(day_text)
        clock = None if hhmm is None else datetime.fromisoformat(f"{day_text}T{hhmm}{seconds or ':00'}")
    except ValueError as error:
        raise MomentProblem("bad-date") from error
    delta = None
    if offset not in (None, "Z"):
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if minutes > 59:
            raise MomentProblem("bad-date")
        if hours * 60 + minutes > MAX_OFFSET_MINUTES:
            raise MomentProblem("offset-out-of-range", offset)
        delta = timedelta(hours=hours, minutes=minutes) * (1 if offset[0] == "+" else -1)
    if not EARLIEST_DAY - timedelta(days=1) <= day <= LATEST_DAY + timedelta(days=1):
        raise MomentProblem("date-out-of-range", tz)  # far out: never read in a zone (no overflow)
    zone = ZoneInfo(tz)
    if clock is None:
        start = day + timedelta(days=1) if end else day
        moment = datetime(start.year, start.month, start.day, tzinfo=zone)
    elif offset is None:
        if _in_gap(clock, zone):
            raise MomentProblem("nonexistent-local-time", describe_gap(text, tz))
        moment = clock.replace(tzinfo=zone)
    elif offset == "Z":
        moment = clock.replace(tzinfo=dt_timezone.utc)
    else:
        assert delta is not None  # an offset other than Z was read above
        moment = clock.replace(tzinfo=dt_timezone(delta))
    last = moment - timedelta(microseconds=1) if end else moment
    if not EARLIEST_DAY <= last.astimezone(zone).date() <= LATEST_DAY:
        raise MomentProblem("date-out-of-range", tz)
    # a fixed offset: Python compares a time of an autumn fold unequal to any time of another zone (PEP 495)
    return moment.astimezone(dt_timezone(moment.utcoffset() or timedelta(0)))


def years_later(moment: datetime, years: int) -> datetime:
    """The same UTC date and time `years` later (29 February → 28 February), as DuckDB adds an interval."""
    utc = moment.astimezone(dt_timezone.utc)
    try:
        return utc.replace(year=utc.year + years)
    except ValueError:
        return utc.replace(year=utc.year + years, day=28)


def parse_count(text: str, column: str) -> int:
    """A count as an int, or the problem with it."""
    if re.fullmatch(INTEGER_PATTERN, text):
        number = int(text.partition(".")[0])
        if number > MAX_COUNT:
            raise _fail("number-too-large", column, text)
        return number
    if re.fullmatch(NEGATIVE_PATTERN, text):
        raise _fail("negative-count", column, text)
    if re.fullmatch(DECIMAL_PATTERN, text):
        raise _fail("not-an-integer", column, text)
    raise _fail("not-a-number", column, text)


def _clean(value: Any, column: str) -> Any:
    """Blank is None ("not reported"); a NUL byte is refused in any field."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _fail("control-character", column)
        if not value.strip():
            return None
        limit = vocab.TEXT_LIMITS.get(column)
        if limit is not None and len(value.strip()) > limit:
            raise _fail("text-too-long", column, len(value.strip()), limit)
    return value


def _lexicon(info: ValidationInfo) -> vocab.Lexicon:
    """The spellings the validation reads controlled values with: the store's (validate.check_record passes
    them), else the built-in ones."""
    context = info.context or {}
    return context.get("lexicon") or vocab.Lexicon.builtin(context.get("sources") or vocab.BUILTIN_SOURCES)


def _text_field(description: str) -> Any:
    return Field(default=None, description=description)


def _metric_field(name: str) -> Any:
    return Field(default=None, description=vocab.METRICS[name] + " Blank means not reported; 0 is a real zero.")


class CountReport(BaseModel):
    """One published count of ceasefire violations over one reporting window."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    source: str = Field(default=None, validate_default=True, description=(
        "Who says it: a registered source key such as ua_mod, osce_smm, dpr, lpr, ru_mod."))
    channel: str | None = _text_field("Which outlet of the source published it (free text).")
    timezone: str = Field(
        default=vocab.DEFAULT_TIMEZONE,
        description="IANA time zone for date-times written without an offset (default Europe/Kyiv).",
    )
    reported_at: datetime | None = Field(
        default=None, description="When the source published it; orders revisions of the same window."
    )
    period_start: datetime = Field(default=None, validate_default=True,
                                   description="Start of the reporting window (a date means its start).")
    period_end: datetime = Field(
        default=None,
        validate_default=True,
        description="End of the reporting window: a date-time end is exclusive, a date means the end of that day."
    )
    region: str | None = Field(default=None, description="A registered region, by key or alias, any case (built in: "
                               "donetsk, luhansk; more with tracker regions add), or blank for the whole zone.")
    area: str | None = _text_field("A named sub-area inside the region; shown, never added into the region.")
    accused_party: str | None = Field(
        default=None, description="Whom the source blames, by key or alias (built in: ukraine, separatists, russia, "
                                  "unknown; more with tracker parties add), or blank if not stated."
    )
    violations: int | None = _metric_field("violations")
    prohibited_weapons: int | None = _metric_field("prohibited_weapons")
    explosions: int | None = _metric_field("explosions")
    killed: int | None = _metric_field("killed")
    wounded: int | None = _metric_field("wounded")
    civilians_killed: int | None = _metric_field("civilians_killed")
    civilians_wounded: int | None = _metric_field("civilians_wounded")
    settlements_shelled: int | None = _metric_field("settlements_shelled")
    qualifier: Qualifier = Field(
        default=Qualifier.exact, description="exact (default), at_least or about; applies to every figure in the row."
    )
    weapons: str | None = _text_field("Weapons named by the source (free text).")
    location: str | None = _text_field("Places named by the source (free text).")
    source_url: str | None = _text_field("Link to the publication (http or https).")
    quote: str | None = _text_field("The sentence of the publication that gives the figures.")
    notes: str | None = _text_field("The analyst's notes: choices made, caveats.")

    # --- single fields -------------------------------------------------------------------------

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any, info: ValidationInfo) -> Any:
        return _clean(value, _field(info))

    @field_validator("source", mode="before")
    @classmethod
    def _known_source(cls, value: Any, info: ValidationInfo) -> Any:
        value = _clean(value, "source")
        if value is None:
            raise _fail("missing-value", "source")
        known = (info.context or {}).get("sources") or vocab.BUILTIN_SOURCES
        text = str(value).strip()
        key = _lexicon(info).key("source", text) or text
        if key not in known:
            raise PydanticCustomError(
                "unknown-source",
                problems.message("unknown-source", "source", text, allowed=", ".join(sorted(known))),
                {"column": "source"},
            )
        return key

    @field_validator("timezone", mode="before")
    @classmethod
    def _known_timezone(cls, value: Any) -> Any:
        value = _clean(value, "timezone")
        if value is None:
            return vocab.DEFAULT_TIMEZONE
        if str(value).strip() not in vocab.TIMEZONES:
            raise _fail("bad-timezone", "timezone", value)
        return str(value).strip()

    @field_validator("reported_at", "period_start", "period_end", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> Any:
        value = _clean(value, _field(info))
        column = _field(info)
        if value is None:
            if column in vocab.REQUIRED_COLUMNS:
                raise _fail("missing-value", column)
            return None
        if isinstance(value, datetime):
            zone = ZoneInfo(info.data.get("timezone", vocab.DEFAULT_TIMEZONE))
            return value if value.tzinfo else value.replace(tzinfo=zone)
        text = str(value).strip()
        tz = info.data.get("timezone")

        # when the time zone itself is bad, the date is read in UTC: its form and order can still be checked
        try:
            return read_moment(text, tz or "UTC", end=column == "period_end")
        except MomentProblem as problem:
            raise _fail(problem.code, column, text, problem.other) from None

    @field_validator("region", "accused_party", mode="before")
    @classmethod
    def _known_key(cls, value: Any, info: ValidationInfo) -> Any:
        """A registered region or accused party, by key or alias, any case; stored as its key."""
        column = _field(info)
        value = _clean(value, column)
        if value is None:
            return None
        known = _lexicon(info)
        key = known.key(column, value)
        if key is None:
            code = "unknown-region" if column == "region" else "unknown-party"
            raise PydanticCustomError(code, problems.message(
                code, column, str(value).strip(), allowed=", ".join(known.keys(column))), {"column": column})
        return key

    @field_validator("qualifier", mode="before")
    @classmethod
    def _known_qualifier(cls, value: Any, info: ValidationInfo) -> Any:
        value = _clean(value, "qualifier")
        if value is None:
            return Qualifier.exact
        key = _lexicon(info).key("qualifier", value)
        if key is None:
            raise _fail("unknown-qualifier", "qualifier", value)
        return Qualifier(key)

    @field_validator(*vocab.METRICS, mode="before")
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> Any:
        value = _clean(value, _field(info))
        if value is None:
            return None
        if isinstance(value, bool):
            raise _fail("not-a-number", _field(info), value)
        if isinstance(value, int):
            text = str(value)
        elif isinstance(value, float):
            text = str(int(value)) if value.is_integer() else repr(value)
        else:
            text = str(value).strip()
        return parse_count(text, _field(info))

    @field_validator("source_url", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        value = _clean(value, "source_url")
        if value is not None and not re.fullmatch(URL_PATTERN, str(value).strip(), flags=re.IGNORECASE):
            raise _fail("bad-url", "source_url", value)
        return value

    # --- rules across fields -------------------------------------------------------------------

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("period_start")
        if value is not None and start is not None and value <= start:
            raise _fail("window-order", "period_end", value.isoformat(), start.isoformat())
        if value is not None and start is not None and value > years_later(start, MAX_WINDOW_YEARS):
            raise _fail("window-too-long", "period_end", value.isoformat(), start.isoformat())
        return value

    @field_validator(*vocab.SUBSET_METRICS)
    @classmethod
    def _subset_within_total(cls, value: int | None, info: ValidationInfo) -> int | None:
        total = info.data.get("violations")
        if value is not None and total is not None and value > total:
            raise _fail("subset-exceeds-total", _field(info), value, total)
        return value

    @model_validator(mode="after")
    def _at_least_one_metric(self) -> CountReport:
        if all(getattr(self, name) is None for name in vocab.METRICS):
            raise _fail("no-metric", "violations")
        return self

    def metrics(self) -> dict[str, int]:
        """The figures this report gives (blank ones left out)."""
        return {name: getattr(self, name) for name in vocab.METRICS if getattr(self, name) is not None}


def field_help() -> dict[str, str]:
    """Each field's description, for the form, `tracker add --help` and the docs."""
    return {name: f.description or "" for name, f in CountReport.model_fields.items()}
