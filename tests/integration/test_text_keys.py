"""Text keys build the same warehouse as integer keys.

One small generated shop is built twice: as generated (integer ids) and with every id rewritten
the way real exports spell them (``ORD-<n>``, ``gid://shopify/Customer/<n>``, ``SKU-BO-<n>``,
``LI-<n>``, ``T-<n>``), in every feed, the clickstream's JSON included. The integer build is the
independent method: every mart of the text build, with each rewritten key read back to its
number, must equal the integer build row for row, so every KPI (sales, orders, customers,
cohorts, attribution, sessions, support, alerts) is the same. The text export also carries
hostile rows (empty, whitespace-only, control-character and 300-character keys, a unit price
with 5 decimals) that are quarantined at their file, line and column and change nothing.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest
from shop_landing import connect, feed_csv, load, read_csv

pytestmark = pytest.mark.slow

#: Key column -> how the text export spells the integer id n.
TEXT_KEYS = {
    "order_id": "ORD-{}",
    "customer_id": "gid://shopify/Customer/{}",
    "product_id": "SKU-BO-{}",
    "order_item_id": "LI-{}",
    "ticket_id": "T-{}",
}

#: Ids hashed from a key's text (fct_product_alerts: product_id | metric | hour): another key
#: text gives another hash by construction, so they are left out of the comparison.
HASHED_FROM_KEYS = {"alert_id"}


def _textify(record: dict) -> dict:
    """The record with every key of ``TEXT_KEYS`` rewritten; empty and absent values stay so."""
    out = dict(record)
    for column, spelling in TEXT_KEYS.items():
        value = out.get(column)
        if value is not None and value != "":
            out[column] = spelling.format(value)
    return out


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _text_export(landing: Path, out: Path) -> dict[str, list[tuple[int, str]]]:
    """Copy ``landing`` to ``out`` with text keys and append hostile rows.

    Returns:
        Feed -> the hostile rows appended: (physical line, column at fault).
    """
    shutil.copytree(landing, out)
    for path in sorted(out.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header, rows = list(reader.fieldnames or []), [_textify(r) for r in reader]
        _write_csv(path, header, rows)
    for path in sorted(out.rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            events = [_textify(json.loads(line)) for line in fh if line.strip()]
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(e) + "\n" for e in events)

    hostile: dict[str, list[tuple[int, str]]] = {"orders": [], "order_items": []}
    orders_path = feed_csv(out, "orders")
    orders = read_csv(orders_path)
    template = orders[0]
    bad_orders = [("", "empty"), ("   ", "whitespace only"), ("ORD-\x07-1", "control"), ("O" * 300, "too long")]
    extra = [{**template, "order_id": key} for key, _ in bad_orders]
    _write_csv(orders_path, list(template), orders + extra)
    hostile["orders"] = [(len(orders) + 2 + i, "order_id") for i in range(len(extra))]

    items_path = feed_csv(out, "order_items")
    items = read_csv(items_path)
    bad_item = {**items[0], "order_item_id": "LI-hostile", "unit_price": "2.08255"}
    _write_csv(items_path, list(items[0]), [*items, bad_item])
    hostile["order_items"] = [(len(items) + 2, "unit_price")]
    return hostile


@pytest.fixture(scope="module")
def builds(dbt_project, generated_shop, tmp_path_factory) -> dict:
    """The integer build (the session's generated shop) and the text build of the same shop: warehouse
    paths and hostile rows."""
    root = tmp_path_factory.mktemp("text_keys")
    hostile = _text_export(generated_shop["landing"], root / "text_landing")
    database = root / "text" / "warehouse.duckdb"
    database.parent.mkdir()
    load(root / "text_landing", database)
    result = dbt_project.build(database)
    assert result.success and result.problems() == {}, result.problems() or result.exception
    return {"hostile": hostile, "integer": generated_shop["database"], "text": database}


def _mart_rows(database: Path, table: str, *, text_keys: bool) -> list[tuple]:
    """Every row of ``marts.<table>`` as text, sorted, without ``HASHED_FROM_KEYS``; with
    ``text_keys`` each rewritten key is read back to its number (``ORD-12`` -> ``12``)."""
    with connect(database) as con:
        columns = [r[0] for r in con.execute(f"select column_name from (describe marts.{table})").fetchall()]
        columns = [c for c in columns if c not in HASHED_FROM_KEYS]
        select = []
        for c in columns:
            if text_keys and c in TEXT_KEYS:
                select.append(f"regexp_extract({c}, '([0-9]+)$', 1)")
            else:
                select.append(f"cast({c} as varchar)")
        return sorted(con.execute(f"select {', '.join(select)} from marts.{table}").fetchall(), key=repr)


def _marts(database: Path) -> list[str]:
    with connect(database) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]


def test_every_mart_of_the_text_build_equals_the_integer_build(builds):
    marts = _marts(builds["integer"])
    assert marts == _marts(builds["text"])
    assert {"fct_orders", "fct_sales_daily", "dim_customers", "fct_order_attribution"} <= set(marts)
    for table in marts:
        expected = _mart_rows(builds["integer"], table, text_keys=False)
        assert _mart_rows(builds["text"], table, text_keys=True) == expected, table


def test_text_keys_reach_the_marts_as_text(builds):
    with connect(builds["text"]) as con:
        order_id, customer_id = con.execute(
            "select order_id, customer_id from marts.fct_orders where customer_id is not null limit 1"
        ).fetchone()
        product_id = con.execute("select product_id from marts.dim_products limit 1").fetchone()[0]
        kpis = con.execute("select count(*), sum(net_sales_amount) from marts.fct_orders").fetchone()
    assert order_id.startswith("ORD-") and customer_id.startswith("gid://shopify/Customer/")
    assert product_id.startswith("SKU-BO-")
    with connect(builds["integer"]) as con:
        assert con.execute("select count(*), sum(net_sales_amount) from marts.fct_orders").fetchone() == kpis


def test_hostile_rows_are_quarantined_at_file_line_and_column(builds):
    with connect(builds["text"]) as con:
        quarantined = con.execute(
            "select table_name, source_file, line_number, column_name from raw._quarantine order by 1, 3"
        ).fetchall()
    expected = [
        ("order_items", "shop/order_items/order_items.csv", line, column)
        for line, column in builds["hostile"]["order_items"]
    ] + [("orders", "shop/orders/orders.csv", line, column) for line, column in builds["hostile"]["orders"]]
    assert quarantined == expected
