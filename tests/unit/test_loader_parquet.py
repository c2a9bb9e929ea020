"""Parquet as a landing format: the same rows as the CSV export of the same data, and the same
validation and quarantine (row number in place of line) on a hostile file."""

from __future__ import annotations

import csv
import itertools
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.api import load_directory
from loaders.contract import load_contract
from loaders.discovery import describe_file, table_files
from loaders.errors import SchemaMismatchError, UnreadableFileError
from loaders.reader import discard, validate_file

REPO = Path(__file__).resolve().parents[2]
ORDERS_CSV = REPO / "seeds" / "shop" / "orders" / "orders.csv"


def _typed_orders(rows: list[dict[str, str]]) -> pa.Table:
    """The CSV rows as a Parquet export would type them: integers (numeric ids too; text ids such as
    store_id ``us`` stay strings), decimal(18,2) money, timestamps, strings (empty text as null)."""
    table = load_contract().table("orders")
    arrays = {}
    for c in table.columns:
        if c.may_be_absent and c.name not in rows[0]:
            continue  # left out of the export (orders.store_id): lands empty, as from the CSV
        values = [r[c.name] or None for r in rows]
        if c.type == "integer" or (c.type == "key" and all(v is None or v.isdigit() for v in values)):
            arrays[c.name] = pa.array([None if v is None else int(v) for v in values], pa.int64())
        elif c.type == "decimal":
            arrays[c.name] = pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(18, 2))
        elif c.type == "timestamp":
            parsed = [None if v is None else datetime.fromisoformat(v) for v in values]
            arrays[c.name] = pa.array(parsed, pa.timestamp("us"))
        elif c.type == "boolean":
            arrays[c.name] = pa.array([None if v is None else v.lower() == "true" for v in values], pa.bool_())
        else:
            arrays[c.name] = pa.array(values, pa.string())
    return pa.table(arrays)


def _raw(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"SELECT * EXCLUDE (_source_file, _loaded_at, _extra) FROM raw.{table} ORDER BY _source_line"
        ).fetchall()


def test_parquet_orders_land_as_their_csv_export(tmp_path):
    """500 real-shaped orders as Parquet (native types, columns in another order) and as CSV
    land the same rows; each Parquet row's ``_source_line`` is its row number."""
    with ORDERS_CSV.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(itertools.islice(reader, 500))
    csv_dir, pq_dir = tmp_path / "csv", tmp_path / "pq"
    (csv_dir / "shop/orders").mkdir(parents=True)
    with (csv_dir / "shop/orders/orders.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)
    typed = _typed_orders(rows)
    (pq_dir / "shop/orders").mkdir(parents=True)
    pq.write_table(typed.select(list(reversed(typed.column_names))), pq_dir / "shop/orders/orders.parquet")
    assert [p.name for p in table_files(pq_dir, load_contract().table("orders"))] == ["orders.parquet"]

    reports = {}
    for name, source in (("csv", csv_dir), ("pq", pq_dir)):
        reports[name] = load_directory(source, database=tmp_path / f"{name}.duckdb", tables=["orders"])
    assert reports["pq"].ok and reports["csv"].ok
    from_csv, from_parquet = _raw(tmp_path / "csv.duckdb", "orders"), _raw(tmp_path / "pq.duckdb", "orders")
    assert len(from_parquet) == 500
    # the CSV's line n+1 holds the Parquet's row n (the header is line 1)
    assert [r[:-1] + (r[-1] - 1,) for r in from_csv] == from_parquet
    assert [r[-1] for r in from_parquet] == list(range(1, 501))


def _products(**overrides: pa.Array) -> pa.Table:
    """Three valid products; ``overrides`` replace (or, with a new name, add) columns."""
    cols = {
        "product_id": pa.array([1, 2, 3], pa.int64()),
        "sku": pa.array(["A-1", "B-2", "C-3"]),
        "title": pa.array(["Lamp", "Desk", "Chair"]),
        "category": pa.array(["home", "office", "office"]),
        "subcategory": pa.array([None, None, None], pa.string()),
        "brand": pa.array(["Acme", None, "Acme"]),
        "price": pa.array([Decimal("19.90"), Decimal("120.00"), Decimal("45.50")], pa.decimal128(38, 10)),
        "cost": pa.array([8.5, 60.0, None], pa.float64()),
        "currency": pa.array(["EUR", "EUR", "EUR"]),
        "is_active": pa.array([True, False, None]),
        "created_at": pa.array([datetime(2024, 1, 1, 8, 0)] * 3, pa.timestamp("ns")),
        "updated_at": pa.array([datetime(2024, 1, 2, 9, 30, 15)] * 3, pa.timestamp("ms", tz="UTC")),
    }
    cols.update(overrides)
    return pa.table(cols)


def _validate(tmp_path: Path, data: pa.Table | bytes, table: str = "products"):
    path = tmp_path / f"{table}.parquet"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        pq.write_table(data, path)
    con = duckdb.connect()
    v = validate_file(con, describe_file(path, load_contract().table(table), path.name))
    out = (
        v,
        con.execute(f"SELECT * FROM {v.rows.alias}").fetchall(),
        con.execute(f"SELECT * FROM {v.rejects.alias}").fetchall(),
    )
    discard(con)
    con.close()
    return out


def test_valid_products_with_wide_decimals_nanoseconds_and_a_time_zone(tmp_path):
    """decimal(38,10) prices, nanosecond timestamps, tz-aware timestamps and float costs all fit;
    an integer id is the key of its digits, a float id holding a whole number too (pandas writes
    nullable integers as float)."""
    v, rows, rejects = _validate(tmp_path, _products())
    assert (v.rows_read, v.rows_rejected, rejects) == (3, 0, [])
    assert rows[0] == (
        1, "1", "A-1", "Lamp", "home", None, "Acme", Decimal("19.9000"), Decimal("8.5000"), "EUR", True,
        datetime(2024, 1, 1, 8, 0), datetime(2024, 1, 2, 9, 30, 15), None,
    )  # fmt: skip
    _, rows, _ = _validate(tmp_path, _products(product_id=pa.array([1.0, 2.0, None], pa.float64())))
    assert [r[1] for r in rows] == ["1", "2"]


def test_hostile_parquet_is_quarantined_value_by_value(tmp_path):
    """Wrong types, nulls in required columns, a list where a scalar is expected: each bad row is
    quarantined at its row number with the column and the same reason a CSV field would get."""
    data = _products(
        product_id=pa.array(["1", "k" * 300, "3"]),  # a key of 300 characters
        sku=pa.array(["A-1", "B-2", None]),  # required
        price=pa.array(["19.90", "abc", "1.23456"]),  # text where a price is expected, 5 decimals
        brand=pa.array([["Acme"], None, None], pa.list_(pa.string())),  # a list
    )
    v, rows, rejects = _validate(tmp_path, data)
    assert (v.rows_read, v.rows_rejected, v.rows_valid) == (3, 3, 0)
    assert rows == []
    assert [(line, col, reason) for line, col, reason, _ in rejects] == [
        (1, "brand", "expected a scalar value, got a JSON object or array"),
        (2, "product_id", 'key longer than 255 characters: "' + "k" * 80 + '"'),
        (2, "price", 'not a valid decimal4 (expected a number with at most 4 decimal places): "abc"'),
        (3, "sku", "required value is empty"),
        (3, "price", 'not a valid decimal4 (expected a number with at most 4 decimal places): "1.23456"'),
    ]
    assert rejects[1][3].startswith('{"product_id":"' + "k" * 300 + '","sku":"B-2"')


def test_parquet_pii_is_masked_in_the_quarantine(tmp_path):
    """A quarantined customer row keeps its shape, not its e-mail or names."""
    data = pa.table(
        {
            "customer_id": pa.array([None], pa.int64()),
            "email": ["ann@example.com"],
            "first_name": ["Ann"],
            "last_name": ["Lee"],
            "phone": [None],
            "country_code": ["DE"],
            "city": ["Berlin"],
            "accepts_marketing": [True],
            "created_at": ["2024-01-01T00:00:00Z"],
            "updated_at": ["2024-01-01T00:00:00Z"],
        }
    )
    _, _, rejects = _validate(tmp_path, data, "customers")
    (line, column, reason, raw_line) = rejects[0]
    assert (line, column, reason) == (1, "customer_id", "required value is empty")
    assert "ann@example.com" not in raw_line and "Lee" not in raw_line and "Berlin" in raw_line


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("drop", "missing column(s) cost"),
        ("add", "unexpected column(s) 'margin'"),
    ],
)
def test_parquet_with_missing_or_extra_columns_is_refused(tmp_path, change, message):
    data = _products()
    data = data.drop(["cost"]) if change == "drop" else data.append_column("margin", pa.array([1, 2, 3]))
    with pytest.raises(SchemaMismatchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _validate(tmp_path, data)


def test_file_named_parquet_without_parquet_content_is_refused(tmp_path):
    with pytest.raises(UnreadableFileError, match="not a readable Parquet file"):
        _validate(tmp_path, b"product_id,sku\n1,A\n")
