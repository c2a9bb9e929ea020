"""Incremental order facts under dates that move and rows that arrive late (DuckDB).

A copy of the session's generated shop (October to December 2025) is built once; then a second export lands:

- order X, first placed early in October (far outside the 45-day order lookback), re-exported
  with ``created_at`` moved to late December (a corrected order date);
- order L, placed in October, that reaches the warehouse only now (a late export), with its line.

The incremental ``dbt build`` that follows must keep every key unique, hold L, and fail no test;
its order facts must then equal, row for row, a ``--full-refresh`` build of the same raw layer.
The daily sales mart, incremental on the same days, must equal its full refresh too (its
horizontal integrity test against fct_orders is part of the build).
Expected keys and dates come from the CSV files written here.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
from shop_landing import connect, feed_csv, load, read_csv

pytestmark = pytest.mark.slow

FACTS = ("fct_orders", "fct_order_items", "fct_sales_daily")
LATE_ORDER_ID = 999001


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _second_export(first: Path, out: Path) -> dict[str, object]:
    """The second export: order X with a moved date, late order L with one line."""
    orders = read_csv(feed_csv(first, "orders"))
    items = read_csv(feed_csv(first, "order_items"))
    counts: dict[str, int] = {}
    for row in orders:
        counts[row["order_id"]] = counts.get(row["order_id"], 0) + 1
    moved = dict(next(r for r in orders if counts[r["order_id"]] == 1 and r["created_at"] < "2025-10-06"))
    moved["created_at"] = "2025-12-30 12:00:00"
    moved["updated_at"] = "2025-12-31 12:00:00"
    late = dict(next(r for r in orders if r["created_at"].startswith("2025-10-1")))
    late.update(order_id=str(LATE_ORDER_ID), created_at="2025-10-10 09:00:00", updated_at="2025-10-12 09:00:00")
    late.update(status="delivered", cancelled_at="", returned_at="", discount_code="")
    line = dict(items[0])
    line.update(order_item_id=str(LATE_ORDER_ID), order_id=str(LATE_ORDER_ID), quantity="1", discount_amount="0.00")
    late.update(subtotal_amount=line["unit_price"], discount_amount="0.00", shipping_amount="0.00", tax_amount="0.00")
    late["total_amount"] = line["unit_price"]
    _write(out / "shop" / "orders" / "orders_second.csv", list(orders[0]), [moved, late])
    _write(out / "shop" / "order_items" / "order_items_second.csv", list(items[0]), [line])
    return {"moved_id": moved["order_id"], "distinct_orders": len(counts) + 1}


def _rows(database: Path, table: str) -> list[tuple]:
    with connect(database) as con:
        return sorted(con.execute(f"select * from marts.{table}").fetchall(), key=repr)


def test_moved_and_late_orders_keep_keys_unique_and_equal_a_full_refresh(dbt_project, generated_shop, tmp_path):
    dbt = dbt_project
    landing = shutil.copytree(generated_shop["landing"], tmp_path / "landing")
    second = tmp_path / "second"
    expected = _second_export(landing, second)
    database = tmp_path / "warehouse" / "warehouse.duckdb"
    database.parent.mkdir()
    load(landing, database)
    initial = dbt.build(database)
    assert initial.success and initial.problems() == {}, initial.problems() or initial.exception

    # the second export lands in the same directory, beside the first
    shutil.copytree(second, landing, dirs_exist_ok=True)
    load(landing, database)
    incremental = dbt.build(database)

    assert incremental.success and incremental.problems() == {}, incremental.problems() or incremental.exception
    with connect(database) as con:
        keys = con.execute("select count(*), count(distinct order_id) from marts.fct_orders").fetchone()
        moved_dates = con.execute(
            "select order_date from marts.fct_orders where order_id = ?", [expected["moved_id"]]
        ).fetchall()
        late = con.execute("select count(*) from marts.fct_order_items where order_id = ?", [LATE_ORDER_ID]).fetchone()
    assert keys == (expected["distinct_orders"], expected["distinct_orders"])
    assert moved_dates == [(date(2025, 12, 30),)]
    assert late == (1,)

    incremental_rows = {table: _rows(database, table) for table in FACTS}
    refreshed = dbt.build(database, "--full-refresh", "--select", *FACTS)
    assert refreshed.success, refreshed.exception
    for table in FACTS:
        assert _rows(database, table) == incremental_rows[table], table
