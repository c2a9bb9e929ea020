"""The loaders' GCS + BigQuery path against local *emulators* (not Google Cloud).

``gcp-storage-emulator`` stands in for the landing bucket and ``bqemulator`` for BigQuery,
loading ``gs://`` URIs from the storage emulator's files. Expected figures come from the
hand-written fixture's README (``tests/fixtures/loaders/README.md``), from ``hashlib`` over
the files, and from the DuckDB backend landing the same files (row for row).

What emulation cannot show (IAM, policy tags, real partition pruning, transaction
rollback: bqemulator's ``ERROR()`` does not abort a script) is covered by
``tests/unit/test_bigquery_loader_config.py`` on the generated configuration.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from gcp_emulators import bigquery_emulator, storage_emulator

from loaders import gcs
from loaders.api import load_directory
from loaders.contract import load_contract

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BAD_ROWS = REPO / "tests" / "fixtures" / "loaders" / "bad_rows"
PROJECT = "emulated-project"
TABLES = ["products", "orders", "order_items", "events"]

#: From tests/fixtures/loaders/README.md: (records read, loaded, quarantined) per file.
README_COUNTS = {
    "shop/products/products.csv": (5, 2, 3),
    "shop/orders/orders.csv": (14, 5, 9),
    "shop/order_items/order_items.csv": (3, 3, 0),
    "web/events/2024-03-01.jsonl": (8, 3, 5),
}
#: README: orders lines 4, 5, 6, 7, 9, 10, 11, 13 and 17 are bad (8 is blank, 14-15 one good record).
README_ORDERS_BAD_LINES = [4, 5, 6, 7, 9, 10, 11, 13, 17]


@pytest.fixture(scope="module")
def emulators(tmp_path_factory):
    """Both emulators, the BigQuery one reading gs:// from the storage one's files."""
    root = tmp_path_factory.mktemp("gcp")
    gcs_dir = root / "gcs"
    gcs_dir.mkdir()
    with storage_emulator(gcs_dir) as st:
        (gcs_dir / ".cloudstorage").mkdir(exist_ok=True)
        with bigquery_emulator(root / "bq", project=PROJECT, gcs_root=gcs_dir / ".cloudstorage") as bq:
            yield {"storage": st, "bigquery": bq, "gcs_dir": gcs_dir}


@pytest.fixture
def gcp_env(emulators, monkeypatch, request):
    """Environment the loaders read, with a bucket and dataset of the test's own."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    name = request.node.name.replace("_", "-").lower()[:40].strip("-")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulators["storage"].url)
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", emulators["bigquery"].url)
    monkeypatch.setenv("GCP_PROJECT_ID", PROJECT)
    monkeypatch.setenv("LANDING_BUCKET", f"landing-{name}")
    monkeypatch.setenv("RAW_DATASET", "raw_" + name.replace("-", "_"))
    monkeypatch.delenv("PII_POLICY_TAG", raising=False)
    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials())
    client.create_bucket(f"landing-{name}")
    return {"bucket": client.bucket(f"landing-{name}"), "dataset": "raw_" + name.replace("-", "_")}


def _bq():
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project=PROJECT, credentials=AnonymousCredentials())


def _plain(value):
    """Compare values across engines: naive UTC datetimes, Decimals by value."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def test_emulated_gcs_upload_layout_metadata_and_idempotency(emulators, gcp_env, tmp_path):
    bucket = gcp_env["bucket"]
    src = BAD_ROWS / "shop" / "orders" / "orders.csv"
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    name = gcs.landing_object_name("shop", "orders", datetime(2024, 3, 1).date(), "shop/orders/orders.csv")
    assert name == "shop/orders/dt=2024-03-01/orders.csv"

    first = gcs.upload_file(bucket, src, name, sha256=sha, source_file="shop/orders/orders.csv")
    blob = bucket.get_blob(name)
    assert first.uploaded and first.uri == f"gs://{bucket.name}/{name}"
    assert blob.metadata == {"sha256": sha, "source_file": "shop/orders/orders.csv"}
    assert blob.content_type == "text/csv"
    assert blob.download_as_bytes() == src.read_bytes()
    # The object is a plain file in the emulator's store: what bqemulator's gs:// loads read.
    assert (emulators["gcs_dir"] / ".cloudstorage" / bucket.name / name).read_bytes() == src.read_bytes()

    generation = bucket.get_blob(name).updated
    again = gcs.upload_file(bucket, src, name, sha256=sha, source_file="shop/orders/orders.csv")
    assert not again.uploaded
    assert bucket.get_blob(name).updated == generation  # not rewritten

    changed = tmp_path / "orders.csv"
    changed.write_bytes(src.read_bytes() + b"99,1,paid,EUR,DE,web,,,,,1.00,0,0,0,1.00,2024-03-01,,,2024-03-01\n")
    new_sha = hashlib.sha256(changed.read_bytes()).hexdigest()
    third = gcs.upload_file(bucket, changed, name, sha256=new_sha, source_file="shop/orders/orders.csv")
    assert third.uploaded
    assert bucket.get_blob(name).metadata["sha256"] == new_sha
    assert [b.name for b in bucket.list_blobs(prefix="shop/orders/")] == [name]


def test_emulated_bigquery_load_matches_fixture_counts_and_duckdb_rows(gcp_env, tmp_path):
    report = load_directory(BAD_ROWS, target="bigquery", tables=TABLES, raise_on_error=False)
    got = {f.source_file: (f.rows_read, f.rows_loaded, f.rows_rejected) for f in report.files}
    assert got == README_COUNTS
    assert {f.status for f in report.files} == {"loaded"}

    bq = _bq()
    ds = f"{PROJECT}.{gcp_env['dataset']}"
    lines = [
        r[0]
        for r in bq.query(
            f"SELECT DISTINCT line_number FROM `{ds}._quarantine` "
            "WHERE source_file = 'shop/orders/orders.csv' ORDER BY line_number"
        ).result()
    ]
    assert lines == README_ORDERS_BAD_LINES

    # Archived byte for byte under <source>/<table>/dt=<landing date>/<file> with its sha256.
    today = report.files[0].started_at.date().isoformat()
    for source_file in README_COUNTS:
        source, table, file_name = source_file.split("/")
        blob = gcp_env["bucket"].get_blob(f"{source}/{table}/dt={today}/{file_name}")
        assert blob is not None, source_file
        assert blob.metadata["sha256"] == hashlib.sha256((BAD_ROWS / source_file).read_bytes()).hexdigest()
    # Intermediate objects and staging tables are cleaned up.
    assert not list(gcp_env["bucket"].list_blobs(prefix="_loader/"))
    assert not [t.table_id for t in bq.list_tables(ds) if t.table_id.startswith("_stage_")]

    # Same rows as the DuckDB backend lands from the same files.
    db = tmp_path / "duck.duckdb"
    load_directory(BAD_ROWS, target="duckdb", database=db, tables=TABLES, raise_on_error=False)
    con = duckdb.connect(str(db), read_only=True)
    for name in TABLES:
        cols = ", ".join(f"`{c}`" for c in load_contract().table(name).column_names)
        order = "_source_file, _source_line"
        bq_rows = [
            tuple(_plain(v) for v in r.values())
            for r in bq.query(f"SELECT {cols}, _source_file, _source_line FROM `{ds}.{name}` ORDER BY {order}").result()
        ]
        duck_cols = cols.replace("`", '"')
        duck_rows = [
            tuple(_plain(v) for v in r)
            for r in con.execute(
                f"SELECT {duck_cols}, _source_file, _source_line FROM raw.{name} ORDER BY {order}"
            ).fetchall()
        ]
        assert bq_rows == duck_rows, name
    q_cols = "table_name, source_file, line_number, column_name, reason, raw_line, sha256"
    q_order = "table_name, source_file, line_number, column_name"
    bq_q = [tuple(r.values()) for r in bq.query(f"SELECT {q_cols} FROM `{ds}._quarantine` ORDER BY {q_order}").result()]
    duck_q = con.execute(f"SELECT {q_cols} FROM raw._quarantine ORDER BY {q_order} NULLS FIRST").fetchall()
    assert bq_q == duck_q


def test_emulated_bigquery_reload_never_duplicates(gcp_env, tmp_path):
    src = tmp_path / "landing"
    shutil.copytree(BAD_ROWS, src)
    load_directory(src, target="bigquery", tables=["order_items"])
    again = load_directory(src, target="bigquery", tables=["order_items"])
    assert [f.status for f in again.files] == ["unchanged"]

    items = src / "shop" / "order_items" / "order_items.csv"
    lines = items.read_text().splitlines(keepends=True)
    items.write_text("".join(lines[:-1]))  # a corrected export: one line fewer
    replaced = load_directory(src, target="bigquery", tables=["order_items"])
    assert [(f.status, f.rows_read, f.rows_loaded) for f in replaced.files] == [("replaced", 2, 2)]

    bq = _bq()
    ds = f"{PROJECT}.{gcp_env['dataset']}"
    count, distinct = next(
        iter(bq.query(f"SELECT COUNT(*), COUNT(DISTINCT order_item_id) FROM `{ds}.order_items`").result())
    ).values()
    assert (count, distinct) == (2, 2)
    statuses = [
        r[0]
        for r in bq.query(
            f"SELECT status FROM `{ds}._load_audit` WHERE table_name = 'order_items' ORDER BY started_at"
        ).result()
    ]
    assert statuses == ["loaded", "unchanged", "replaced"]


ITEMS_HEADER = "order_item_id,order_id,product_id,quantity,unit_price,discount_amount,updated_at\n"


def _items_dir(root: Path, keys: list[int]) -> Path:
    """A landing directory with one order_items file per key (one line each)."""
    (root / "shop" / "order_items").mkdir(parents=True)
    for k in keys:
        (root / "shop" / "order_items" / f"items-{k}.csv").write_text(
            ITEMS_HEADER + f"{k},1,1,1,10.00,0.00,2024-03-01\n"
        )
    return root


def test_emulated_bigquery_one_landing_directory_and_prune(gcp_env, tmp_path):
    from loaders.errors import LandingDirectoryConflictError

    sample = _items_dir(tmp_path / "sample", [1, 2, 3])
    mine = _items_dir(tmp_path / "mine", [7, 8])
    bq = _bq()
    ds = f"{PROJECT}.{gcp_env['dataset']}"

    def keys() -> list[int]:
        """The landed order line keys (text in the raw table), as numbers."""
        return sorted(int(r[0]) for r in bq.query(f"SELECT order_item_id FROM `{ds}.order_items`").result())

    def dirs() -> list[str]:
        return [r[0] for r in bq.query(f"SELECT landing_dir FROM `{ds}._landing` ORDER BY 1").result()]

    load_directory(sample, target="bigquery", tables=["order_items"])
    assert keys() == [1, 2, 3] and dirs() == [str(sample.resolve())]

    # another directory into the same dataset is refused before anything lands
    with pytest.raises(LandingDirectoryConflictError, match="holds 3 file"):
        load_directory(mine, target="bigquery", tables=["order_items"])
    assert keys() == [1, 2, 3]

    # on purpose, both directories together
    both = load_directory(mine, target="bigquery", tables=["order_items"], add_landing_dir=True)
    assert [f.status for f in both.files] == ["loaded", "loaded"]
    assert keys() == [1, 2, 3, 7, 8] and dirs() == sorted([str(sample.resolve()), str(mine.resolve())])

    # a file removed from the directory, then --prune: its rows leave, the other directory's too
    (sample / "shop" / "order_items" / "items-2.csv").unlink()
    pruned = load_directory(sample, target="bigquery", tables=["order_items"], prune=True)
    assert sorted((f.source_file, f.status, f.rows_removed) for f in pruned.files) == [
        ("shop/order_items/items-1.csv", "unchanged", 0),
        ("shop/order_items/items-2.csv", "pruned", 1),
        ("shop/order_items/items-3.csv", "unchanged", 0),
        ("shop/order_items/items-7.csv", "pruned", 1),
        ("shop/order_items/items-8.csv", "pruned", 1),
    ]
    assert keys() == [1, 3] and dirs() == [str(sample.resolve())]

    # a pruned file that comes back lands again (not "unchanged")
    _items_dir(tmp_path / "back", [2])
    shutil.copy(tmp_path / "back" / "shop" / "order_items" / "items-2.csv", sample / "shop" / "order_items")
    again = load_directory(sample, target="bigquery", tables=["order_items"])
    assert [(f.source_file, f.status) for f in again.files if f.status != "unchanged"] == [
        ("shop/order_items/items-2.csv", "loaded")
    ]
    assert keys() == [1, 2, 3]


def test_emulated_kept_extra_columns_land_as_json_text(emulators, gcp_env, tmp_path):
    """A mapped export under ``extra_columns: keep``: ``_extra`` (a NULLABLE STRING) holds the
    extra columns as JSON text, values as the csv module reads them."""
    import csv
    import json

    src = tmp_path / "shop"
    src.mkdir()
    (src / "mapping.yml").write_text(
        "exports: {lines: {files: lines.csv, extra_columns: keep}}\n"
        "tables:\n  order_items:\n    from: lines\n    columns: {order_item_id: Line, order_id: Order, "
        "product_id: Sku, quantity: Qty, unit_price: Price, discount_amount: {default: '0'}, updated_at: Placed}\n",
        encoding="utf-8",
    )
    (src / "lines.csv").write_text(
        "Order,Line,Sku,Qty,Price,Placed,Note\n"
        '7,70,5,2,3.50,2024-01-02 10:00:00,"Für Zoë, ""mit Liebe"""\n'
        "7,71,6,1,2.00,2024-01-02 10:00:00,\n",
        encoding="utf-8",
    )
    load_directory(src, target="bigquery", tables=["order_items"])
    with (src / "lines.csv").open(newline="", encoding="utf-8") as fh:
        expected = {r["Line"]: {"Note": r["Note"]} for r in csv.DictReader(fh)}
    rows = _bq().query(f"SELECT order_item_id, _extra FROM `{gcp_env['dataset']}.order_items`").result()
    assert {r[0]: json.loads(r[1]) for r in rows} == expected
    (field,) = [f for f in _bq().get_table(f"{PROJECT}.{gcp_env['dataset']}.order_items").schema if f.name == "_extra"]
    assert (field.field_type, field.mode) == ("STRING", "NULLABLE")


def test_emulated_old_raw_orders_gains_store_id_and_extra(gcp_env, tmp_path):
    """A ``raw.orders`` created before ``store_id`` and ``_extra`` existed, holding an earlier
    file's row, gains both as NULLABLE fields at the end; a file with ``store_id`` then lands
    (moved into the table by column name) and the earlier row keeps a NULL ``store_id``."""
    from google.cloud import bigquery

    from loaders.backends.bigquery import BigQueryBackend, BigQuerySettings, raw_table_definition

    contract = load_contract()
    bq = _bq()
    ds = f"{PROJECT}.{gcp_env['dataset']}"
    bq.create_dataset(bigquery.Dataset(ds), exists_ok=True)
    old = raw_table_definition(contract.table("orders"), BigQuerySettings(PROJECT, gcp_env["dataset"], "unused"))
    old.schema = [f for f in old.schema if f.name not in ("store_id", "_extra")]
    bq.create_table(old)
    bq.query(
        f"INSERT INTO `{ds}.orders` (order_id, customer_id, status, currency, country_code, channel, "
        "subtotal_amount, discount_amount, shipping_amount, tax_amount, total_amount, created_at, updated_at, "
        "_source_file, _source_line, _loaded_at) VALUES ('1001', '501', 'placed', 'EUR', 'FR', 'web', "
        "100, 0, 0, 19, 119, TIMESTAMP '2024-03-01 09:00:00', TIMESTAMP '2024-03-01 09:00:00', "
        "'shop/orders/orders-1.csv', 2, TIMESTAMP '2024-03-02 00:00:00')"
    ).result()
    src = tmp_path / "landing"
    (src / "shop" / "orders").mkdir(parents=True)
    (src / "shop" / "orders" / "orders-2.csv").write_text(
        "order_id,customer_id,status,currency,country_code,channel,utm_source,utm_medium,utm_campaign,"
        "discount_code,subtotal_amount,discount_amount,shipping_amount,tax_amount,total_amount,"
        "created_at,cancelled_at,returned_at,updated_at,store_id\n"
        "1003,503,placed,USD,US,web,,,,,30.00,0,5.00,2.40,37.40,2024-03-03T11:00:00Z,,,2024-03-03T11:00:00Z,us\n",
        encoding="utf-8",
    )
    with BigQueryBackend() as backend:
        backend.ensure_raw_tables([contract.table("orders")])
    schema = bq.get_table(f"{ds}.orders").schema
    assert [(f.name, f.mode) for f in schema[-2:]] == [("store_id", "NULLABLE"), ("_extra", "NULLABLE")]
    assert [f.name for f in schema[:-2]] == [f.name for f in old.schema]
    # bqemulator applies a schema patch to its catalog only; BigQuery adds the columns to the
    # table's data too, which this DDL does on the emulator's storage
    for column in ("store_id", "_extra"):
        bq.query(f"ALTER TABLE `{ds}.orders` ADD COLUMN {column} STRING").result()
    report = load_directory(src, target="bigquery", tables=["orders"])
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 1)]
    assert bq.get_table(f"{ds}.orders").schema == schema  # the migrated table was accepted as it is
    rows = bq.query(f"SELECT order_id, store_id, total_amount, _source_file FROM `{ds}.orders` ORDER BY 1").result()
    assert [tuple(_plain(v) for v in r.values()) for r in rows] == [
        ("1001", None, Decimal("119"), "shop/orders/orders-1.csv"),
        ("1003", "us", Decimal("37.40").normalize(), "shop/orders/orders-2.csv"),
    ]
