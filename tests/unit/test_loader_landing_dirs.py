"""One warehouse per landing directory: a second directory is refused with the remedies,
``--prune`` replaces it (and removes files that left the directory), ``--add-landing-dir``
mixes on purpose. Expected rows are counted from the fixture files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from loaders import cli

ITEMS = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at\n"
ORDERS = (
    "order_id,customer_id,status,currency,country_code,channel,utm_source,utm_medium,utm_campaign,discount_code,"
    "subtotal_amount,discount_amount,shipping_amount,tax_amount,total_amount,created_at,cancelled_at,returned_at,"
    "updated_at\n"
)
PRODUCTS = "product_id,sku,title,category,subcategory,brand,price,cost,currency,is_active,created_at,updated_at\n"


def _order(order_id: int) -> str:
    return f"{order_id},1,paid,EUR,FR,web,,,,,10.00,0.00,0.00,0.00,10.00,2024-03-01,,,2024-03-01\n"


def _shop(root: Path, orders: list[int], *, products: bool) -> Path:
    """A landing directory: one orders file, one order_items file per order, optionally products."""
    (root / "shop/orders").mkdir(parents=True)
    (root / "shop/order_items").mkdir(parents=True)
    (root / "shop/orders/orders.csv").write_text(ORDERS + "".join(_order(o) for o in orders))
    for o in orders:
        (root / f"shop/order_items/items-{o}.csv").write_text(ITEMS + f"{o}0,{o},1,1,10.00,0.00,2024-03-01\n")
    if products:
        (root / "shop/products").mkdir(parents=True)
        (root / "shop/products/products.csv").write_text(
            PRODUCTS + "1,SKU-1,Mug,home,,Acme,9.99,,EUR,true,2024-01-01,2024-01-01\n"
        )
    return root


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return _shop(tmp_path / "sample", [1, 2, 3], products=True)


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    return _shop(tmp_path / "mine", [7, 8], products=False)


def _load(src: Path, db: Path, capsys, *args: str) -> tuple[int, dict | None, str]:
    code = cli.main(["load", "--source-dir", str(src), "--database", str(db), "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _q(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _state(db: Path) -> dict:
    return {
        "orders": _q(db, "SELECT order_id FROM raw.orders ORDER BY 1"),
        "items": _q(db, "SELECT order_item_id FROM raw.order_items ORDER BY 1"),
        "products": _q(db, "SELECT product_id FROM raw.products ORDER BY 1"),
        "audit": _q(db, "SELECT count(*) FROM raw._load_audit"),
    }


def test_a_second_landing_directory_is_refused_with_the_remedies(sample, mine, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert _load(sample, db, capsys)[0] == 0
    before = _state(db)
    code, summary, err = _load(mine, db, capsys)
    assert code == 3 and summary["exit_code"] == 3
    # 1 orders + 3 order_items + 1 products file of the sample
    assert f"this warehouse ({db}) holds 5 file(s) landed from {sample}; loading {mine} into it" in err
    for remedy in ("--database PATH", "DUCKDB_PATH=", "--prune", "--add-landing-dir"):
        assert remedy in err
    assert _state(db) == before  # nothing loaded, nothing audited
    # the sample's own directory still loads (unchanged)
    code, summary, _ = _load(sample, db, capsys)
    assert code == 0 and {f["status"] for f in summary["files"]} == {"unchanged"}


def test_prune_replaces_the_other_directory(sample, mine, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    _load(sample, db, capsys)
    code, summary, _ = _load(mine, db, capsys, "--prune")
    assert code == 0
    pruned = sorted((f["source_file"], f["rows_removed"]) for f in summary["files"] if f["status"] == "pruned")
    assert pruned == [
        ("shop/order_items/items-1.csv", 1),
        ("shop/order_items/items-2.csv", 1),
        ("shop/order_items/items-3.csv", 1),
        ("shop/products/products.csv", 1),
    ]
    # orders.csv has the same name in both directories: mine replaced it
    assert _state(db)["orders"] == [("7",), ("8",)]
    assert _state(db)["items"] == [("70",), ("80",)]
    assert _state(db)["products"] == []  # not the sample's products beside my orders
    assert _q(db, "SELECT landing_dir FROM raw._landing") == [(str(mine),)]
    # and the sample is now the other directory
    assert _load(sample, db, capsys)[0] == 3


def test_add_landing_dir_mixes_on_purpose(sample, mine, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    _load(sample, db, capsys)
    assert _load(mine, db, capsys, "--add-landing-dir")[0] == 0
    assert _state(db)["items"] == [("10",), ("20",), ("30",), ("70",), ("80",)]
    assert sorted(_q(db, "SELECT landing_dir FROM raw._landing")) == sorted([(str(sample),), (str(mine),)])
    assert _load(sample, db, capsys)[0] == 0  # both are the warehouse's directories now


def test_prune_removes_files_that_left_the_directory_and_they_come_back(sample, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    _load(sample, db, capsys)
    kept = tmp_path / "items-2.csv"
    shutil.move(sample / "shop/order_items/items-2.csv", kept)
    code, summary, _ = _load(sample, db, capsys)
    assert code == 0 and _state(db)["items"] == [("10",), ("20",), ("30",)]  # without --prune nothing is removed
    code, summary, _ = _load(sample, db, capsys, "--prune")
    assert [(f["source_file"], f["status"]) for f in summary["files"] if f["status"] == "pruned"] == [
        ("shop/order_items/items-2.csv", "pruned")
    ]
    assert _state(db)["items"] == [("10",), ("30",)]
    assert _q(db, "SELECT count(*) FROM raw._quarantine WHERE source_file = 'shop/order_items/items-2.csv'") == [(0,)]
    shutil.move(kept, sample / "shop/order_items/items-2.csv")
    code, summary, _ = _load(sample, db, capsys)
    back = [f for f in summary["files"] if f["source_file"].endswith("items-2.csv")]
    assert [(f["status"], f["rows_loaded"]) for f in back] == [("loaded", 1)]
    assert _state(db)["items"] == [("10",), ("20",), ("30",)]


def test_prune_touches_only_the_tables_of_the_run(sample, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    _load(sample, db, capsys)
    shutil.rmtree(sample / "shop/products")
    (sample / "shop/order_items/items-3.csv").unlink()
    code, summary, _ = _load(sample, db, capsys, "--prune", "--tables", "order_items")
    assert code == 0
    assert _state(db)["items"] == [("10",), ("20",)] and _state(db)["products"] == [("1",)]


def test_prune_and_add_landing_dir_exclude_each_other(sample, tmp_path, capsys):
    assert cli.main(["load", "--source-dir", str(sample), "--prune", "--add-landing-dir"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
