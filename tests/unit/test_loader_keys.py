"""Text keys and 4-decimal unit prices through the loader, file to raw table and quarantine.

The file below holds the id shapes of real exports (invoice numbers, SKUs, Shopify GIDs, UCI
stock codes) beside hostile keys and prices; every expected row was written by hand from it
(line numbers are physical lines, the header is line 1).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory

HEADER = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at"
TS = "2024-03-05T12:00:00Z"
LINES = [
    HEADER,
    f"1,INV-2016-152156,85123A,2,2.0825,0.00,{TS}",  # 2: a 4-decimal unit price
    f"gid://shopify/LineItem/866550311766439020,gid://shopify/Order/450789469,SKU-BO-10001798,1,19.99,0.00,{TS}",
    f" 42 ,1001,11,3,5,0.50,{TS}",  # 4: an integer key, blanks around it trimmed
    f",1001,11,1,5.00,0.00,{TS}",  # 5: empty key
    f"   ,1001,11,1,5.00,0.00,{TS}",  # 6: whitespace-only key
    f"43,ORD\t7,11,1,5.00,0.00,{TS}",  # 7: a tab inside a key
    f"44,1001,{'P' * 300},1,5.00,0.00,{TS}",  # 8: a key of 300 characters
    f"45,1001,11,1,2.08255,0.00,{TS}",  # 9: 5 decimals in a unit price
    f"46,1001,11,1,2.50,0.005,{TS}",  # 10: 3 decimals in a line amount
]
SOURCE_FILE = "shop/order_items/items.csv"
REQ = "required value is empty"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("keys")
    path = root / "landing" / SOURCE_FILE
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    db = root / "warehouse.duckdb"
    report = load_directory(root / "landing", database=db, tables=["order_items"])
    assert report.ok and report.reconciles
    return db


def _q(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_text_and_integer_keys_land_as_text_with_4_decimal_prices(warehouse):
    rows = _q(
        warehouse,
        "SELECT _source_line, order_item_id, order_id, product_id, unit_price, discount_amount "
        "FROM raw.order_items ORDER BY _source_line",
    )
    assert rows == [
        (2, "1", "INV-2016-152156", "85123A", Decimal("2.0825"), Decimal("0.00")),
        (
            3,
            "gid://shopify/LineItem/866550311766439020",
            "gid://shopify/Order/450789469",
            "SKU-BO-10001798",
            Decimal("19.9900"),
            Decimal("0.00"),
        ),
        (4, "42", "1001", "11", Decimal("5.0000"), Decimal("0.50")),
    ]
    types = dict(_q(warehouse, "SELECT column_name, column_type FROM (DESCRIBE raw.order_items)"))
    assert (types["order_id"], types["unit_price"], types["discount_amount"]) == (
        "VARCHAR",
        "DECIMAL(18,4)",
        "DECIMAL(18,2)",
    )


def test_hostile_keys_and_prices_are_quarantined_at_file_line_and_column(warehouse):
    rows = _q(
        warehouse,
        "SELECT source_file, line_number, column_name, reason FROM raw._quarantine ORDER BY line_number",
    )
    assert rows == [
        (SOURCE_FILE, 5, "order_item_id", REQ),
        (SOURCE_FILE, 6, "order_item_id", REQ),
        (SOURCE_FILE, 7, "order_id", 'not a valid key (expected text without control characters): "ORD\ufffd7"'),
        (SOURCE_FILE, 8, "product_id", 'key longer than 255 characters: "' + "P" * 80 + '"'),
        (
            SOURCE_FILE,
            9,
            "unit_price",
            'not a valid decimal4 (expected a number with at most 4 decimal places): "2.08255"',
        ),
        (
            SOURCE_FILE,
            10,
            "discount_amount",
            'not a valid decimal (expected a number with at most 2 decimal places): "0.005"',
        ),
    ]
    # the raw line is kept as it was, the tab included
    assert _q(warehouse, "SELECT raw_line FROM raw._quarantine WHERE line_number = 7") == [(LINES[6],)]
