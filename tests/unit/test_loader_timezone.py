"""The contract type ``timezone`` (the stores feed's ``timezone``): an IANA tz database name, checked at load.

A store's time zone decides which local day its orders and refunds fall on; a zone dbt cannot convert to
would fail the build far from its file. Here it is quarantined with its file, line, column and reason.
Expectations are written by hand: the zone names are looked up in the tz database by eye (and in
``zoneinfo`` as a second opinion), the lines counted in the files written below.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from loaders.api import load_directory
from loaders.contract import Column, load_contract
from loaders.validation import normalized_sql, reason_sql, typed_sql

TZ = 'not a valid timezone (expected an IANA time zone name such as Europe/Berlin): "{}"'
HEADER = "store_id,store_name,currency,timezone,updated_at\n"


def _evaluate(raw: str | None) -> tuple[object, str | None]:
    """(typed value, reason) of one raw text value of a ``timezone`` column, as the loader computes them."""
    column = Column(name="tz", type="timezone", required=False, pii=False, description="test column")
    con = duckdb.connect()
    v = normalized_sql(column, "$1")
    t = typed_sql(column, v)
    return con.execute(f"SELECT {t}, {reason_sql(column, v, t)}", [raw]).fetchone()


def test_the_stores_feed_declares_its_zone_a_timezone() -> None:
    column = load_contract().table("stores").column("timezone")
    assert (column.type, column.required, column.duckdb_type, column.bigquery_type) == (
        "timezone",
        False,
        "VARCHAR",
        "STRING",
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        (" Asia/Kolkata ", "Asia/Kolkata"),  # surrounding blanks trimmed, as for every non-string type
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),  # three levels
        ("America/Port-au-Prince", "America/Port-au-Prince"),  # hyphens
        ("Etc/GMT-14", "Etc/GMT-14"),  # the tz database's fixed zones (sign inverted, POSIX style)
        ("UTC", "UTC"),
        ("", None),  # empty: the store falls back to the dbt var shop_timezone (not required)
        ("   ", None),
        (None, None),
    ],
)
def test_iana_names_are_timezones(raw: str | None, value: str | None) -> None:
    assert _evaluate(raw) == (value, None)
    if value:
        ZoneInfo(value)  # the second opinion: Python's tz database knows it too


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Europe/Berlinn", "Europe/Berlinn"),  # a misspelling
        ("europe/berlin", "europe/berlin"),  # the tz database's names are case-sensitive, as ZoneInfo is on Linux
        ("+02:00", "+02:00"),  # an offset is not a zone: no DST, and dbt converts with zone names
        ("GMT+2", "GMT+2"),
        ("UTC; drop table stores", "UTC; drop table stores"),
        ("../../etc/passwd", "../../etc/passwd"),
        ("localtime", "localtime"),  # the host's own zone file, not a zone name
        ("Factory", "Factory"),  # tzdata's placeholder
        ("Mars/Olympus_Mons", "Mars/Olympus_Mons"),
        ("Europe/\x07Berlin", "Europe/\ufffdBerlin"),  # a control character shown as U+FFFD
    ],
)
def test_other_text_is_refused_with_a_reason(raw: str, shown: str) -> None:
    assert _evaluate(raw) == (None, TZ.format(shown))


def _load(root: Path, body: str) -> tuple[object, Path]:
    stores = root / "landing/shop/stores"
    stores.mkdir(parents=True)
    (stores / "stores.csv").write_text(HEADER + body, encoding="utf-8")
    db = root / "warehouse.duckdb"
    return load_directory(root / "landing", database=db, tables=["stores"], raise_on_error=False), db


def test_a_real_shaped_stores_file_loads_whole(tmp_path: Path) -> None:
    body = (
        "us,Example Store US,USD,America/New_York,2025-01-01 00:00:00\n"
        "eu,Example Store EU,EUR,Europe/Berlin,2025-01-01 00:00:00\n"
        "in,Example Store IN,INR, Asia/Kolkata ,2025-03-01 09:30:00\n"
        "ar,Example Store AR,ARS,America/Argentina/Buenos_Aires,2025-03-01 09:30:00\n"
        "hq,Head office,USD,,2025-03-01 09:30:00\n"
    )
    report, db = _load(tmp_path, body)
    (result,) = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 5, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT store_id, timezone FROM raw.stores ORDER BY _source_line").fetchall()
        assert con.execute("SELECT count(*) FROM raw._quarantine").fetchone()[0] == 0
    zones = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Argentina/Buenos_Aires", None]
    assert got == list(zip(["us", "eu", "in", "ar", "hq"], zones, strict=True))


def test_a_hostile_stores_file_is_quarantined_row_by_row(tmp_path: Path) -> None:
    body = (
        "us,Example Store US,USD,America/New_York,2025-01-01 00:00:00\n"  # line 2: fits
        "eu,Example Store EU,EUR,Europe/Berlinn,2025-01-01 00:00:00\n"  # line 3
        "de,Example Store DE,EUR,+02:00,2025-01-01 00:00:00\n"  # line 4
        "xx,Empty zone,USD,,2025-01-01 00:00:00\n"  # line 5: fits, the shop_timezone var applies
        'yy,Injected,USD,"UTC; drop table stores",2025-01-01 00:00:00\n'  # line 6
        "zz,Both bad,USD,Mars/Olympus_Mons,yesterday\n"  # line 7: two columns, one row rejected
    )
    report, db = _load(tmp_path, body)
    (result,) = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 2, 4)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = con.execute("SELECT store_id, timezone FROM raw.stores ORDER BY _source_line").fetchall()
        quarantined = con.execute(
            "SELECT source_file, line_number, column_name, reason FROM raw._quarantine "
            "WHERE table_name = 'stores' ORDER BY line_number, column_name"
        ).fetchall()
    assert loaded == [("us", "America/New_York"), ("xx", None)]
    f = "shop/stores/stores.csv"
    assert quarantined == [
        (f, 3, "timezone", TZ.format("Europe/Berlinn")),
        (f, 4, "timezone", TZ.format("+02:00")),
        (f, 6, "timezone", TZ.format("UTC; drop table stores")),
        (f, 7, "timezone", TZ.format("Mars/Olympus_Mons")),
        (f, 7, "updated_at", 'not a valid timestamp (expected an ISO-8601 timestamp): "yesterday"'),
    ]
