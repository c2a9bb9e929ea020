"""Raw tables built under an earlier contract gain its nullable columns in place, on both targets.

The earlier warehouse is the one the loader built before ``orders.store_id`` and ``_extra``
existed: ``raw.orders`` with the contract's columns minus those two, in contract order, and
one file landed in it. Staging (``stg_shop__orders``) reads ``raw.orders`` by column name
(``select *`` into the deduplication, then each column named), so a migrated table whose
``store_id`` sits after ``_loaded_at`` builds the same; no dbt build is run here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest

from loaders.api import load_directory
from loaders.backends.base import addable_columns, nullable_raw_columns, raw_table_columns
from loaders.backends.bigquery import BigQueryBackend, BigQuerySettings, raw_schema, raw_table_definition
from loaders.backends.duckdb import DuckDBBackend
from loaders.contract import DUCKDB_TYPES, load_contract
from loaders.errors import RawTableMismatchError

CONTRACT = load_contract()
ORDERS = CONTRACT.table("orders")
#: Columns of raw.orders before orders.store_id and _extra (contract order, metadata last).
OLD_ORDERS = [(n, t) for n, t in raw_table_columns(ORDERS) if n not in ("store_id", "_extra")]

OLD_HEADER = (
    "order_id,customer_id,status,currency,country_code,channel,utm_source,utm_medium,utm_campaign,"
    "discount_code,subtotal_amount,discount_amount,shipping_amount,tax_amount,total_amount,"
    "created_at,cancelled_at,returned_at,updated_at"
)
OLD_FILE = (
    OLD_HEADER + "\n"
    "1001,501,delivered,EUR,FR,web,google,cpc,spring,,100.00,10.00,4.90,18.98,113.88,"
    "2024-03-01T09:15:00Z,,,2024-03-05T12:00:00Z\n"
    "1002,502,placed,EUR,DE,web,,,,,20.00,0,0,3.80,23.80,2024-03-02T10:00:00Z,,,2024-03-02T10:00:00Z\n"
)
NEW_FILE = (
    OLD_HEADER + ",store_id\n"
    "1003,503,placed,USD,US,web,,,,,30.00,0,5.00,2.40,37.40,2024-03-03T11:00:00Z,,,2024-03-03T11:00:00Z,us\n"
)


def _columns(db: Path, table: str = "orders") -> list[tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()


@pytest.fixture
def old_warehouse(tmp_path: Path, warehouse: Path) -> tuple[Path, Path]:
    """(landing dir, DuckDB file) of a warehouse whose raw.orders has the columns it had before
    store_id and _extra, holding one landed file (audit row included), as an earlier loader left it."""
    landing = tmp_path / "landing"
    (landing / "shop" / "orders").mkdir(parents=True)
    (landing / "shop" / "orders" / "orders-1.csv").write_text(OLD_FILE, encoding="utf-8")
    load_directory(landing, tables=["orders"])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE raw.orders DROP COLUMN store_id")
        con.execute("ALTER TABLE raw.orders DROP COLUMN _extra")
    assert _columns(warehouse) == [(n, DUCKDB_TYPES[t]) for n, t in OLD_ORDERS]
    return landing, warehouse


def test_an_old_raw_orders_gains_store_id_and_extra_and_loads_by_name(old_warehouse, caplog):
    landing, db = old_warehouse
    (landing / "shop" / "orders" / "orders-2.csv").write_text(NEW_FILE, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="loaders.backends.duckdb"):
        report = load_directory(landing, tables=["orders"])
    assert [(f.source_file, f.status, f.rows_loaded) for f in report.files] == [
        ("shop/orders/orders-1.csv", "unchanged", 0),
        ("shop/orders/orders-2.csv", "loaded", 1),
    ]
    assert "adding column store_id to raw.orders" in caplog.text
    assert "adding column _extra to raw.orders" in caplog.text
    # the earlier columns keep their place; the added ones come last, in contract order
    assert _columns(db) == [(n, DUCKDB_TYPES[t]) for n, t in OLD_ORDERS] + [("store_id", "VARCHAR"), ("_extra", "JSON")]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT order_id, store_id, total_amount::VARCHAR, _source_file, _source_line, _extra "
            "FROM raw.orders ORDER BY order_id"
        ).fetchall()
    # by hand from OLD_FILE and NEW_FILE: old rows keep their values with a NULL store_id
    assert rows == [
        ("1001", None, "113.88", "shop/orders/orders-1.csv", 2, None),
        ("1002", None, "23.80", "shop/orders/orders-1.csv", 3, None),
        ("1003", "us", "37.40", "shop/orders/orders-2.csv", 2, None),
    ]
    # a migrated table is the contract's: loading again changes nothing and adds nothing
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="loaders.backends.duckdb"):
        again = load_directory(landing, tables=["orders"])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert "adding column" not in caplog.text
    assert len(_columns(db)) == len(raw_table_columns(ORDERS))


@pytest.mark.parametrize(
    ("ddl", "why"),
    [
        ("ALTER TABLE raw.orders ALTER total_amount TYPE VARCHAR", "a type change"),
        ("ALTER TABLE raw.orders DROP COLUMN updated_at", "a required column missing"),
        ("ALTER TABLE raw.orders ADD COLUMN note VARCHAR", "an unknown column"),
    ],
)
def test_other_differences_are_still_refused(old_warehouse, ddl, why):
    _, db = old_warehouse
    with duckdb.connect(str(db)) as con:
        con.execute(ddl)
    before = _columns(db)
    with DuckDBBackend(db) as backend, pytest.raises(RawTableMismatchError, match="raw.orders has columns") as e:
        backend.ensure_raw_tables([ORDERS])
    assert "rebuild it (delete the DuckDB file) or migrate the table" in str(e.value), why
    assert _columns(db) == before  # nothing added on the way to the refusal


NULLABLE = frozenset({"c", "d", "_extra"})
EXPECTED = [("a", "T"), ("b", "T"), ("c", "T"), ("_source_file", "T"), ("d", "T"), ("_extra", "J")]


@pytest.mark.parametrize(
    ("have", "added"),
    [
        (EXPECTED, []),
        ([("a", "T"), ("b", "T"), ("_source_file", "T")], [("c", "T"), ("d", "T"), ("_extra", "J")]),
        # two migrations: c and _extra appended by the first, d by this one
        ([("a", "T"), ("b", "T"), ("_source_file", "T"), ("c", "T"), ("_extra", "J")], [("d", "T")]),
        # a nullable column after the point where the order breaks: only a migration puts it there
        ([("a", "T"), ("b", "T"), ("_source_file", "T"), ("_extra", "J"), ("c", "T"), ("d", "T")], []),
        # required columns out of contract order: not something a migration does
        ([("b", "T"), ("a", "T"), ("c", "T"), ("_source_file", "T"), ("d", "T"), ("_extra", "J")], None),
        ([("a", "T"), ("c", "T"), ("_source_file", "T"), ("b", "T")], None),
        ([("a", "T"), ("_source_file", "T")], None),  # required b missing
        ([("a", "T"), ("b", "X"), ("_source_file", "T")], None),  # type changed
        ([("a", "T"), ("b", "T"), ("_source_file", "T"), ("e", "T")], None),  # unknown column
        ([("a", "T"), ("b", "T"), ("b", "T"), ("_source_file", "T")], None),  # a name twice
    ],
)
def test_addable_columns(have, added):
    assert addable_columns(have, EXPECTED, NULLABLE) == added


def test_nullable_raw_columns_of_orders():
    assert {"store_id", "_extra", "cancelled_at"} <= nullable_raw_columns(ORDERS)
    assert not {"order_id", "updated_at", "_source_file", "_loaded_at"} & nullable_raw_columns(ORDERS)


def _bigquery(fake) -> BigQueryBackend:
    storage = type("Storage", (), {"bucket": lambda self, name: name})()
    return BigQueryBackend(settings=BigQuerySettings("p", "raw", "b"), bq_client=fake, storage_client=storage)


def _old_bigquery_orders():
    old = raw_table_definition(ORDERS, BigQuerySettings("p", "raw", "b"))
    old.schema = [f for f in old.schema if f.name not in ("store_id", "_extra")]
    return old


def test_bigquery_old_raw_orders_gains_nullable_fields_at_the_end(fake_bigquery):
    old = _old_bigquery_orders()
    before = [(f.name, f.mode) for f in old.schema]
    fake = fake_bigquery({"orders": old})
    _bigquery(fake).ensure_raw_tables([ORDERS])
    assert fake.updated == [("orders", ("schema",), [*before, ("store_id", "NULLABLE"), ("_extra", "NULLABLE")])]
    assert {f.name: f.field_type for f in fake.tables["orders"].schema}["store_id"] == "STRING"
    # the migrated table is accepted as it is
    fake.updated.clear()
    _bigquery(fake).ensure_raw_tables([ORDERS])
    assert fake.updated == []
    # and the load's staging schema is the contract's: rows move into raw.orders by column name
    assert [f.name for f in raw_schema(ORDERS)][-5:] == [
        "store_id",
        "_source_file",
        "_source_line",
        "_loaded_at",
        "_extra",
    ]


def test_bigquery_type_change_is_still_refused(fake_bigquery):
    old = _old_bigquery_orders()
    old.schema = [type(f)(f.name, "STRING", mode=f.mode) if f.name == "total_amount" else f for f in old.schema]
    fake = fake_bigquery({"orders": old})
    with pytest.raises(RawTableMismatchError, match="orders has columns .* migrate or recreate the table"):
        _bigquery(fake).ensure_raw_tables([ORDERS])
    assert fake.updated == []
