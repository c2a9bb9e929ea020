"""The data generator: determinism, the contract's shape, money identities, referential
integrity and the statistical shape promised in ``generator``'s docs.

Expectations are computed independently of the generator's code: the files are read back
with DuckDB (typed with the contract's types) and checked with SQL over the raw rows.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from generator import GeneratorConfig, generate, main
from generator.core import MANIFEST_NAME
from loaders.contract import load_contract

CONTRACT = load_contract()
SMALL = GeneratorConfig(orders=4000, seed=7, events_months=2, currencies=("USD", "EUR", "GBP"), stores=2)
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY_RE = re.compile(r"^-?\d+\.\d{2}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _json_columns(table) -> str:
    return "{" + ", ".join(f"'{c.name}': '{c.duckdb_type}'" for c in table.columns) + "}"


def _open(root: Path) -> duckdb.DuckDBPyConnection:
    """Views over the generated files, typed with the contract's DuckDB types (a parse failure raises)."""
    con = duckdb.connect()
    for t in CONTRACT.tables:
        files = sorted(str(p) for p in root.glob(t.files))
        if t.format == "csv":
            con.execute(
                f"CREATE TABLE {t.name} AS SELECT * FROM read_csv({files!r}, header=true, auto_detect=false, "
                f"columns={_json_columns(t)}, strict_mode=true)"
            )
        else:
            con.execute(
                f"CREATE TABLE {t.name} AS SELECT * FROM read_json({files!r}, format='newline_delimited', "
                f"columns={_json_columns(t)})"
            )
    # Current version of every record (latest updated_at wins), as staging does.
    for name, key in (("orders", "order_id"), ("customers", "customer_id"), ("tickets", "ticket_id")):
        con.execute(
            f"CREATE TABLE {name}_current AS SELECT * FROM {name} "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY updated_at DESC) = 1"
        )
    return con


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen_small")
    generate(SMALL, out)
    return out


@pytest.fixture(scope="module")
def db(small: Path) -> duckdb.DuckDBPyConnection:
    return _open(small)


def _one(db: duckdb.DuckDBPyConnection, sql: str):
    return db.execute(sql).fetchone()[0]


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(small: Path, tmp_path: Path) -> None:
    generate(SMALL, tmp_path)
    assert _digests(tmp_path) == _digests(small)


def test_another_seed_gives_different_data(small: Path, tmp_path: Path) -> None:
    other = GeneratorConfig(
        orders=SMALL.orders,
        seed=SMALL.seed + 1,
        events_months=SMALL.events_months,
        currencies=SMALL.currencies,
        stores=2,
    )
    generate(other, tmp_path)
    a, b = _digests(small), _digests(tmp_path)
    assert a.keys() == b.keys()
    differing = {k for k in a if a[k] != b[k]}
    assert {"shop/orders/orders.csv", "shop/customers/customers.csv", "web/events/events_2025-12.jsonl.gz"} <= differing


def test_rerun_replaces_previous_output(tmp_path: Path) -> None:
    """A second run into the same tree leaves no file of the first run (e.g. an events month it no longer covers)."""
    generate(GeneratorConfig(orders=300, events_months=3), tmp_path)
    assert (tmp_path / "web/events/events_2025-10.jsonl.gz").exists()
    generate(GeneratorConfig(orders=300, events_months=1), tmp_path)
    assert sorted(p.name for p in (tmp_path / "web/events").iterdir()) == ["events_2025-12.jsonl.gz"]


# ---------------------------------------------------------------- contract shape


def test_every_table_has_files_matching_its_glob(small: Path) -> None:
    for t in CONTRACT.tables:
        assert sorted(small.glob(t.files)), f"no file for {t.fqn} ({t.files})"


def test_csv_headers_equal_contract_columns(small: Path) -> None:
    for t in CONTRACT.tables:
        if t.format != "csv":
            continue
        for p in small.glob(t.files):
            header = p.read_text(encoding="utf-8").split("\n", 1)[0]
            assert tuple(header.split(",")) == t.column_names, p


def test_json_keys_are_contract_columns_in_order(small: Path) -> None:
    events = CONTRACT.table("events")
    order = {c: i for i, c in enumerate(events.column_names)}
    required = {c.name for c in events.columns if c.required}
    seen: set[str] = set()
    for p in small.glob(events.files):
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                keys = list(json.loads(line))  # json keeps the key order of the line
                assert required <= set(keys), f"{p.name}:{line_no} lacks {required - set(keys)}"
                assert [order[k] for k in keys] == sorted(order[k] for k in keys), f"{p.name}:{line_no}"
                seen.update(keys)
    assert seen == set(events.column_names)  # every column occurs somewhere


def test_text_formats(small: Path) -> None:
    """Timestamps 'YYYY-MM-DD HH:MM:SS', decimals with exactly 2 decimals, booleans true/false, dates ISO."""
    con = duckdb.connect()
    for t in CONTRACT.tables:
        if t.format != "csv":
            continue
        files = sorted(str(p) for p in small.glob(t.files))
        rows = con.execute(f"SELECT * FROM read_csv({files!r}, header=true, all_varchar=true)").fetchall()
        for c_idx, c in enumerate(t.columns):
            values = {r[c_idx] for r in rows if r[c_idx] is not None}
            pattern = {"timestamp": TS_RE, "decimal": MONEY_RE, "decimal4": MONEY_RE, "date": DATE_RE}.get(c.type)
            if pattern:
                bad = [v for v in values if not pattern.match(v)]
                assert not bad, f"{t.fqn}.{c.name}: {bad[:3]}"
            if c.type == "boolean":
                assert values <= {"true", "false"}, f"{t.fqn}.{c.name}: {values}"


def test_values_parse_as_contract_types_and_required_are_present(db: duckdb.DuckDBPyConnection) -> None:
    # _open() typed every column with the contract (strict CSV parsing): reaching here means they parsed.
    for t in CONTRACT.tables:
        assert _one(db, f"SELECT count(*) FROM {t.name}") > 0, t.fqn
        for c in t.columns:
            if c.required:
                assert _one(db, f"SELECT count(*) FROM {t.name} WHERE {c.name} IS NULL") == 0, f"{t.fqn}.{c.name}"


def test_accepted_values(db: duckdb.DuckDBPyConnection) -> None:
    for t in CONTRACT.tables:
        for c in t.columns:
            if c.accepted_values:
                found = {r[0] for r in db.execute(f"SELECT DISTINCT {c.name} FROM {t.name}").fetchall()} - {None}
                assert found <= set(c.accepted_values), f"{t.fqn}.{c.name}: {found - set(c.accepted_values)}"


def test_primary_keys_unique_after_dedup_and_in_tables_without_history(db: duckdb.DuckDBPyConnection) -> None:
    for t in ("products", "order_items", "events"):
        pk = ", ".join(CONTRACT.table(t).primary_key)
        assert _one(db, f"SELECT count(*) - count(DISTINCT ({pk})) FROM {t}") == 0, t
    assert _one(db, "SELECT count(*) - count(DISTINCT (platform, campaign_id, spend_date)) FROM ad_spend") == 0


# ---------------------------------------------------------------- money


def test_order_subtotal_and_discount_equal_their_items(db: duckdb.DuckDBPyConnection) -> None:
    mismatches = _one(
        db,
        """
        SELECT count(*) FROM orders o JOIN (
            SELECT order_id, sum(quantity * unit_price) AS items_subtotal, sum(discount_amount) AS items_discount
            FROM order_items GROUP BY order_id
        ) i USING (order_id)
        WHERE o.subtotal_amount <> i.items_subtotal OR o.discount_amount <> i.items_discount
        """,
    )
    assert mismatches == 0
    assert _one(db, "SELECT count(*) FROM orders_current WHERE order_id NOT IN (SELECT order_id FROM order_items)") == 0


def test_order_total_formula(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            db,
            """SELECT count(*) FROM orders
               WHERE total_amount <> subtotal_amount - discount_amount + shipping_amount + tax_amount""",
        )
        == 0
    )
    assert (
        _one(
            db,
            """SELECT count(*) FROM orders
               WHERE discount_amount > subtotal_amount OR shipping_amount < 0 OR tax_amount < 0""",
        )
        == 0
    )
    assert _one(db, "SELECT count(*) FROM order_items WHERE quantity <= 0 OR unit_price <= 0") == 0


def test_discount_codes_match_their_percentage(db: duckdb.DuckDBPyConnection) -> None:
    """Percent codes discount every line by the code's rate, to the cent (half-up on each line)."""
    rates = {"WELCOME10": 10, "SAVE15": 15, "VIP20": 20, "BFCM25": 25, "FLASH30": 30}
    for code, pct in rates.items():
        bad = _one(
            db,
            f"""
            SELECT count(*) FROM order_items i JOIN orders_current o USING (order_id)
            WHERE o.discount_code = '{code}'
              AND i.discount_amount <> round(i.quantity * i.unit_price * {pct} / 100.0 + 0.0000001, 2)
            """,
        )
        assert bad == 0, code
    assert (
        _one(db, "SELECT count(*) FROM orders_current WHERE discount_code = 'FREESHIP' AND shipping_amount <> 0") == 0
    )


# ---------------------------------------------------------------- referential integrity


def test_referential_integrity(db: duckdb.DuckDBPyConnection) -> None:
    def orphans(child: str, key: str, parent: str) -> str:
        return f"SELECT count(*) FROM {child} WHERE {key} NOT IN (SELECT {key} FROM {parent})"

    checks = {
        "items -> orders": orphans("order_items", "order_id", "orders"),
        "items -> products": orphans("order_items", "product_id", "products"),
        "orders -> customers": orphans("orders", "customer_id", "customers"),
        "events -> orders": orphans("events", "order_id", "orders"),
        "events -> customers": orphans("events", "customer_id", "customers"),
        "events -> products": orphans("events", "product_id", "products"),
        "tickets -> orders": orphans("tickets", "order_id", "orders"),
        "tickets -> customers": orphans("tickets", "customer_id", "customers"),
        "paid utm -> ad_spend": """SELECT count(*) FROM orders WHERE utm_medium IN ('cpc', 'paid_social')
                                   AND utm_campaign NOT IN (SELECT campaign_name FROM ad_spend)""",
        "paid event utm -> ad_spend": """SELECT count(*) FROM events WHERE utm_medium IN ('cpc', 'paid_social')
                                   AND utm_campaign NOT IN (SELECT campaign_name FROM ad_spend)""",
    }
    for what, sql in checks.items():
        assert _one(db, sql) == 0, what


def test_purchase_events_are_web_orders_at_their_creation_time(db: duckdb.DuckDBPyConnection) -> None:
    row = db.execute(
        """
        SELECT count(*), count(DISTINCT e.order_id),
               count(*) FILTER (WHERE o.channel <> 'web'),
               count(*) FILTER (WHERE e.event_timestamp <> o.created_at)
        FROM events e JOIN orders_current o USING (order_id) WHERE e.event_name = 'purchase'
        """
    ).fetchone()
    n, distinct, not_web, wrong_time = row
    assert n == distinct > 0
    assert not_web == 0 and wrong_time == 0
    # ~93% of the window's web orders are tracked
    web_in_window = _one(
        db,
        """SELECT count(*) FROM orders_current
           WHERE channel = 'web' AND created_at >= (SELECT min(event_timestamp) FROM events)""",
    )
    assert 0.85 < n / web_in_window < 0.99


def test_timestamps_are_ordered(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            db,
            """SELECT count(*) FROM orders
               WHERE updated_at < created_at OR cancelled_at < created_at OR returned_at < created_at""",
        )
        == 0
    )
    assert _one(db, "SELECT count(*) FROM customers WHERE updated_at < created_at") == 0
    assert (
        _one(
            db,
            """SELECT count(*) FROM tickets
               WHERE first_responded_at < created_at OR solved_at < first_responded_at OR updated_at < created_at""",
        )
        == 0
    )
    end = "TIMESTAMP '2026-01-01 00:00:00'"
    for t in ("orders", "customers", "tickets", "products"):
        assert _one(db, f"SELECT count(*) FROM {t} WHERE updated_at >= {end}") == 0, t
    assert _one(db, f"SELECT count(*) FROM events WHERE event_timestamp >= {end}") == 0
    # customers order only after signing up
    late = (
        "SELECT count(*) FROM orders o JOIN customers_current c USING (customer_id) WHERE o.created_at < c.created_at"
    )
    assert _one(db, late) == 0


def test_status_timestamps_are_consistent(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(db, "SELECT count(*) FROM orders WHERE (status = 'cancelled') <> (cancelled_at IS NOT NULL)") == 0
    assert _one(db, "SELECT count(*) FROM orders WHERE (status = 'returned') <> (returned_at IS NOT NULL)") == 0
    assert _one(db, "SELECT count(*) FROM tickets WHERE status IN ('solved', 'closed') AND solved_at IS NULL") == 0
    assert _one(db, "SELECT count(*) FROM tickets WHERE status = 'new' AND first_responded_at IS NOT NULL") == 0


# ---------------------------------------------------------------- superseded rows


def test_superseded_rows_are_older_with_an_earlier_status(db: duckdb.DuckDBPyConnection) -> None:
    lifecycle = (
        "CASE status WHEN 'placed' THEN 0 WHEN 'paid' THEN 1 WHEN 'shipped' THEN 2 WHEN 'delivered' THEN 3 ELSE 4 END"
    )
    rows = db.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE old.updated_at < new.updated_at AND
               ({lifecycle.replace("status", "old.status")}) < ({lifecycle.replace("status", "new.status")}))
        FROM orders old JOIN orders_current new USING (order_id)
        WHERE old.updated_at <> new.updated_at
        """
    ).fetchone()
    n_orders = _one(db, "SELECT count(*) FROM orders_current")
    assert 0.01 * n_orders < rows[0] < 0.03 * n_orders  # ~2% of orders appear twice
    assert rows[1] == rows[0]
    assert _one(db, "SELECT count(*) FROM (SELECT order_id FROM orders GROUP BY 1 HAVING count(*) > 2)") == 0
    assert _one(db, "SELECT count(*) - count(DISTINCT customer_id) FROM customers") > 0
    assert _one(db, "SELECT count(*) - count(DISTINCT ticket_id) FROM tickets") > 0


# ---------------------------------------------------------------- realistic shape


def test_row_counts(db: duckdb.DuckDBPyConnection, small: Path) -> None:
    assert _one(db, "SELECT count(*) FROM orders_current") == SMALL.orders
    assert _one(db, "SELECT count(*) FROM customers_current") == SMALL.n_customers
    assert _one(db, "SELECT count(*) FROM products") == SMALL.products
    manifest = yaml.safe_load((small / MANIFEST_NAME).read_text())
    for t in CONTRACT.tables:
        assert manifest["tables"][t.fqn]["rows"] == _one(db, f"SELECT count(*) FROM {t.name}")


def test_customer_value_is_skewed_with_repeat_buyers(db: duckdb.DuckDBPyConnection) -> None:
    top_share, repeat_share = db.execute(
        """
        WITH r AS (SELECT customer_id, sum(total_amount) AS revenue, count(*) AS n
                   FROM orders_current WHERE customer_id IS NOT NULL GROUP BY 1),
             q AS (SELECT *, ntile(5) OVER (ORDER BY revenue DESC) AS quintile FROM r)
        SELECT sum(revenue) FILTER (WHERE quintile = 1) / sum(revenue), avg((n > 1)::INT) FROM q
        """
    ).fetchone()
    assert top_share > 0.5
    assert 0.5 < repeat_share < 0.95


def test_rates_of_cancellation_return_guest_and_channels(db: duckdb.DuckDBPyConnection) -> None:
    cancelled, returned, guest = db.execute(
        """SELECT avg((status = 'cancelled')::INT), avg((status = 'returned')::INT), avg((customer_id IS NULL)::INT)
           FROM orders_current"""
    ).fetchone()
    assert 0.02 < cancelled < 0.06
    assert 0.04 < returned < 0.09
    assert 0.02 < guest < 0.06
    channels = dict(
        db.execute(
            "SELECT channel, avg(1) * count(*) / (SELECT count(*) FROM orders_current) FROM orders_current GROUP BY 1"
        ).fetchall()
    )
    assert set(channels) == {"web", "mobile_app", "marketplace", "pos"}
    assert channels["web"] > channels["mobile_app"] > channels["marketplace"] > channels["pos"] > 0.03


def test_weekly_and_seasonal_patterns(db: duckdb.DuckDBPyConnection) -> None:
    by_dow = dict(db.execute("SELECT dayofweek(created_at), count(*) FROM orders_current GROUP BY 1").fetchall())
    assert by_dow[0] > by_dow[6]  # Sunday beats Saturday
    feb, novdec = db.execute(
        """SELECT count(*) FILTER (WHERE month(created_at) = 2) / 28.0,
                  count(*) FILTER (WHERE month(created_at) IN (11, 12)) / 61.0 FROM orders_current"""
    ).fetchone()
    assert novdec > 1.4 * feb
    bf = _one(db, "SELECT count(*) FROM orders_current WHERE created_at::DATE = DATE '2025-11-28'")
    nov_daily = _one(db, "SELECT count(*) / 30.0 FROM orders_current WHERE month(created_at) = 11")
    assert bf > 1.6 * nov_daily  # Black Friday


def test_clickstream_funnel_and_sessions(db: duckdb.DuckDBPyConnection) -> None:
    conversion, no_session_share = db.execute(
        """
        WITH s AS (SELECT session_id, max((event_name = 'purchase')::INT) AS converted
                   FROM events WHERE session_id IS NOT NULL GROUP BY 1)
        SELECT (SELECT avg(converted) FROM s), (SELECT avg((session_id IS NULL)::INT) FROM events)
        """
    ).fetchone()
    assert 0.015 < conversion < 0.035
    assert 0.15 < no_session_share < 0.25
    funnel = dict(db.execute("SELECT event_name, count(DISTINCT session_id) FROM events GROUP BY 1").fetchall())
    steps = ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    assert all(funnel[a] > funnel[b] for a, b in zip(steps, steps[1:], strict=False))
    # A tracker session never pauses for more than 30 minutes (sessionisation by inactivity agrees).
    gaps = _one(
        db,
        """SELECT max(gap) FROM (SELECT date_diff('second', lag(event_timestamp) OVER (PARTITION BY session_id
           ORDER BY event_timestamp), event_timestamp) AS gap FROM events WHERE session_id IS NOT NULL)""",
    )
    assert gaps <= 30 * 60
    # UTMs and referrer only on the landing (first) event of a session
    assert (
        _one(
            db,
            """SELECT count(*) FROM (
                   SELECT utm_source, referrer,
                          row_number() OVER (PARTITION BY session_id ORDER BY event_timestamp) AS k
                   FROM events WHERE session_id IS NOT NULL)
               WHERE k > 1 AND (utm_source IS NOT NULL OR referrer IS NOT NULL)""",
        )
        == 0
    )


def test_paid_sessions_follow_ad_clicks(db: duckdb.DuckDBPyConnection) -> None:
    per_click = _one(
        db,
        """
        WITH s AS (SELECT utm_campaign, event_timestamp::DATE AS d, count(*) AS sessions FROM events
                   WHERE utm_medium IN ('cpc', 'paid_social') GROUP BY ALL)
        SELECT sum(sessions) / sum(clicks) FROM s
        JOIN ad_spend a ON a.campaign_name = s.utm_campaign AND a.spend_date = s.d
        """,
    )
    assert 0.6 < per_click < 1.1
    assert _one(db, "SELECT count(*) FROM ad_spend WHERE clicks > impressions OR spend < 0") == 0


def test_tickets_shape(db: duckdb.DuckDBPyConnection) -> None:
    n, with_order, csat_share, avg_csat = db.execute(
        """SELECT count(*), avg((order_id IS NOT NULL)::INT), avg((satisfaction_score IS NOT NULL)::INT)
                  FILTER (WHERE status IN ('solved', 'closed')), avg(satisfaction_score) FROM tickets_current"""
    ).fetchone()
    n_orders = _one(db, "SELECT count(*) FROM orders_current")
    assert 0.05 * n_orders < n < 0.2 * n_orders
    assert 0.6 < with_order < 0.95
    assert 0.2 < csat_share < 0.4
    assert 3.5 < avg_csat < 4.8
    assert _one(db, "SELECT count(*) FROM tickets WHERE satisfaction_score NOT BETWEEN 1 AND 5") == 0


def test_injected_anomalies_are_the_top_product_hours(db: duckdb.DuckDBPyConnection, small: Path) -> None:
    anomalies = yaml.safe_load((small / MANIFEST_NAME).read_text())["anomalies"]
    assert len(anomalies) == 3
    expected = {(str(a["product_id"]), a["hour_start_utc"]) for a in anomalies}  # product_id is a key (text)
    top_views = db.execute(
        """SELECT product_id, strftime(date_trunc('hour', event_timestamp), '%Y-%m-%d %H:%M:%S'), count(*) AS n
           FROM events WHERE event_name = 'view_item' GROUP BY ALL ORDER BY n DESC LIMIT 4"""
    ).fetchall()
    top_sales = db.execute(
        """SELECT i.product_id, strftime(date_trunc('hour', o.created_at), '%Y-%m-%d %H:%M:%S'), sum(i.quantity) AS n
           FROM order_items i JOIN orders_current o USING (order_id) GROUP BY ALL ORDER BY n DESC LIMIT 4"""
    ).fetchall()
    for top in (top_views, top_sales):
        assert {(p, h) for p, h, _ in top[:3]} == expected
        assert top[2][2] > 2 * top[3][2]  # far above the next product-hour


# ---------------------------------------------------------------- CLI and settings


def test_cli_writes_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--out", str(tmp_path), "--orders", "300", "--seed", "3", "--events-months", "1"])
    assert code == 0
    out = capsys.readouterr().out
    assert "shop.orders" in out and "web.events" in out and "wrote" in out
    orders_rows = out.split("shop.orders", 1)[1].split()[0]
    lines = (tmp_path / "shop/orders/orders.csv").read_text().strip().split("\n")
    assert int(orders_rows.replace(",", "")) == len(lines) - 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--orders", "0"], "orders must be >= 1"),
        (["--start", "2025-13-01"], "start/end must be dates"),
        (["--start", "2025-03-01", "--end", "2025-03-10"], "at least 28 days"),
        (["--gzip-level", "0"], "gzip_level"),
        (["--stores", "3"], "stores must be 1 or 2"),
        (["--stores", "2"], "needs EUR among the currencies"),
    ],
)
def test_cli_rejects_bad_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["--out", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_two_stores_split_orders_by_country(small: Path, db: duckdb.DuckDBPyConnection) -> None:
    stores = db.execute("select store_id, currency, timezone from stores order by 1").fetchall()
    assert stores == [("eu", "EUR", "Europe/Berlin"), ("us", "USD", "America/New_York")]
    # every euro-country order is in the euro store and in EUR; every other order in the US store
    mixed = db.execute(
        """select store_id, coalesce(country_code, '') in ('DE', 'FR', 'NL', 'ES') as euro,
                  bool_and(currency = case when store_id = 'eu' then 'EUR' else currency end), count(*)
           from orders group by all order by all"""
    ).fetchall()
    assert [m[:3] for m in mixed] == [("eu", True, True), ("us", False, True)]
    manifest = yaml.safe_load((small / MANIFEST_NAME).read_text())
    assert manifest["settings"]["stores"] == 2 and manifest["tables"]["shop.stores"]["rows"] == 2


def test_refunds_are_in_their_orders_currency(db: duckdb.DuckDBPyConnection) -> None:
    # a refund pays back in the currency the order was paid in; every version of an order has one currency
    assert (
        _one(db, "select count(*) from (select order_id from orders group by 1 having count(distinct currency) > 1)")
        == 0
    )
    per_currency = db.execute(
        """select o.currency, count(*) filter (where r.currency = o.currency), count(*)
           from refunds r join orders_current o using (order_id) group by 1 order by 1"""
    ).fetchall()
    assert _one(db, "select count(*) from refunds") == sum(n for _, _, n in per_currency)  # no orphan refund
    assert [c for c, _, _ in per_currency] == ["EUR", "GBP", "USD"]  # the small shop refunds in all three
    assert all(same == n for _, same, n in per_currency)


def test_one_store_writes_no_store_column_and_no_stores_file(tmp_path: Path) -> None:
    generate(GeneratorConfig(orders=200, seed=3, events_months=0, products=20), tmp_path)
    header = (tmp_path / "shop/orders/orders.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    assert header == [c.name for c in CONTRACT.table("orders").columns if c.name != "store_id"]
    assert not (tmp_path / "shop/stores").exists()
    assert "shop.stores" not in yaml.safe_load((tmp_path / MANIFEST_NAME).read_text())["tables"]


# ---------------------------------------------------------------- the committed sample


@pytest.mark.slow
def test_committed_seeds_regenerate_identically(repo_root: Path, tmp_path: Path) -> None:
    """`make seeds` reproduces the committed sample from the settings in its manifest.

    CSV files and the manifest must match byte for byte. For the gzip files the
    decompressed bytes are compared: the deflate stream of identical content may differ
    between zlib builds (another platform), while the content may not.
    """
    seeds = repo_root / "seeds"
    settings = yaml.safe_load((seeds / MANIFEST_NAME).read_text())["settings"]
    generate(GeneratorConfig(**settings), tmp_path)
    committed = sorted(
        p.relative_to(seeds).as_posix() for p in seeds.rglob("*") if p.is_file() and p.name != "README.md"
    )
    regenerated = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert committed == regenerated
    for rel in committed:
        a, b = (seeds / rel).read_bytes(), (tmp_path / rel).read_bytes()
        if rel.endswith(".gz"):
            a, b = gzip.decompress(a), gzip.decompress(b)
        assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest(), rel


def test_committed_seeds_stay_small(repo_root: Path) -> None:
    size = sum(p.stat().st_size for p in (repo_root / "seeds").rglob("*") if p.is_file())
    assert size < 20_000_000
