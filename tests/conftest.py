"""Shared pytest fixtures: repository paths, an isolated warehouse per test, and the session's
built warehouses.

Tests never touch ``build/`` or ``dbt/target``: ``warehouse`` points ``DUCKDB_PATH``,
``DBT_TARGET_PATH`` and ``DBT_LOG_PATH`` into the test's own temporary directory.

Warehouses that several modules read are built once per session; a test that needs one asks for
its fixture instead of loading and building its own:

- ``sample_warehouse``: ``seeds/`` loaded and the whole project built (``dbt build``, default vars,
  ``PII_SALT`` of ``tests/integration/analytics_warehouse.py``); its ``target/`` sits beside it.
- ``dbt_project``: the dbt project parsed once (``shop_landing.InProcessDbt``); ``dbt_project.build(db)``
  runs a whole ``dbt build`` in-process on that manifest against any ``warehouse.duckdb`` file.
- ``generated_shop``: the generator's small shop (every feed, 240 orders, October to December 2025)
  and its whole-project build on ``dbt_project``.
- ``berlin_shop``: a generated shop selling in USD, EUR and GBP with refunds and USD rates, its order
  models built with ``shop_timezone=Europe/Berlin``, USD reporting and returns booked on the order day.

All of them are read-only for tests: copy the landing or the DuckDB file before changing either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Test files that take the longest (the emulated BigQuery builds, then the largest DuckDB builds),
#: collected first so that ``pytest -n 2 --dist loadfile`` starts them one per worker instead of
#: leaving one of them to run alone at the end of the suite. Files not listed keep their order.
LONGEST_FIRST = (
    "tests/integration/test_emulated_bigquery_dbt.py",
    "tests/integration/test_cross_engine.py",
    "tests/integration/test_feed_subsets.py",
    "tests/integration/test_incremental_equivalence.py",
    "tests/integration/test_shop_timezone.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the files of ``LONGEST_FIRST`` to the front of the run, in that order (a stable sort)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def key(item: pytest.Item) -> int:
        path = Path(str(item.path)).resolve()
        try:
            name = path.relative_to(REPO_ROOT).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(name, len(rank))

    items.sort(key=key)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: small hand-written input files."""
    return REPO_ROOT / "tests" / "fixtures"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Path of a fresh DuckDB file in ``tmp_path`` (not created yet), exported as ``DUCKDB_PATH``,
    with ``DBT_TARGET_PATH``/``DBT_LOG_PATH`` also under ``tmp_path``."""
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DUCKDB_PATH", str(db))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "dbt_logs"))
    return db


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DuckDB file of ``seeds/`` with every model built (built on first use, then shared).

    Returns:
        ``<session tmp>/analytics_warehouse/warehouse.duckdb``; dbt's ``target/`` (manifest,
        run_results.json) is in the same directory.
    """
    from tests.integration.analytics_warehouse import built_warehouse

    return built_warehouse(tmp_path_factory)


@pytest.fixture(scope="session")
def dbt_project(tmp_path_factory: pytest.TempPathFactory):
    """The dbt project parsed once per session: a ``shop_landing.InProcessDbt`` whose ``build(db, *args)``
    runs ``dbt build`` in-process on the parsed manifest (``dbt_vars=...`` parses again for that build)."""
    from tests.integration.shop_landing import InProcessDbt

    return InProcessDbt(tmp_path_factory.mktemp("dbt_project"))


@pytest.fixture(scope="session")
def generated_shop(dbt_project, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The generator's small shop and its whole-project build.

    Returns:
        ``{"landing": Path, "database": Path, "result": BuildResult}``: the landing zone
        (``shop_landing.generate`` defaults), the built ``warehouse.duckdb`` and the build's result,
        which succeeded with no node errored, failed or skipped.
    """
    from tests.integration.shop_landing import generate, load

    root = tmp_path_factory.mktemp("generated_shop")
    landing = generate(root / "landing")
    database = root / "build" / "warehouse.duckdb"
    database.parent.mkdir()
    load(landing, database)
    result = dbt_project.build(database)
    assert result.success and not result.problems(), result.problems() or result.exception
    return {"landing": landing, "database": database, "result": result}


@pytest.fixture(scope="session")
def berlin_shop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A generated shop selling in USD, EUR and GBP, its order models built in the Berlin zone.

    The generator writes 1,500 orders from 2026-01-01 to 2026-04-30 (no clickstream) with weekday USD
    rates (finance/fx_rates); the shop feeds and the rates are loaded, then ``dbt build`` of the order
    facts, the daily, weekly, monthly and sliced sales marts, customer lifetime, cohorts and product
    performance (``analytics_warehouse.BERLIN_VARS``; data tests left out, the rate test run alone).

    Returns:
        ``{"landing": Path, "database": Path, "vars": dict}``: the landing zone, the built
        ``warehouse.duckdb`` (its ``target/`` beside it) and the vars of the build.
    """
    import json
    import subprocess
    import sys

    from tests.integration.analytics_warehouse import BERLIN_VARS, DBT, ROOT, dbt_env, run

    landing = tmp_path_factory.mktemp("berlin_landing")
    cmd = [sys.executable, "-m", "generator", "--out", str(landing), "--orders", "1500", "--start", "2026-01-01"]
    cmd += ["--end", "2026-04-30", "--events-months", "0", "--currencies", "USD,EUR,GBP", "--threads", "1"]
    subprocess.run(cmd, check=True, cwd=ROOT, env={**dbt_env(landing), "PYTHONPATH": str(ROOT)}, capture_output=True)

    workdir = tmp_path_factory.mktemp("berlin_build")
    env = dbt_env(workdir)
    dbt_vars = json.dumps(BERLIN_VARS)
    load = [sys.executable, "-m", "loaders", "load", "--target", "duckdb", "--source-dir", str(landing), "--quiet"]
    run([*load, "--tables", "orders,order_items,customers,products,fx_rates"], env)
    select = ["+fct_orders", "+fct_order_items", "+fct_sales_daily", "fx_rate_missing_for_order_day"]
    select += ["+fct_sales_weekly", "+fct_sales_monthly", "+fct_sales_daily_by_channel", "+fct_sales_daily_by_country"]
    select += [
        "+dim_customer_lifetime",
        "+fct_customer_cohorts",
        "+dim_product_performance",
        "+fct_sales_daily_by_store",
    ]
    run([str(DBT), "build", "--quiet", "--select", *select, "--exclude", "test_type:data", "--vars", dbt_vars], env)
    run([str(DBT), "test", "--quiet", "--select", "fx_rate_missing_for_order_day", "--vars", dbt_vars], env)
    return {"landing": landing, "database": workdir / "warehouse.duckdb", "vars": dict(BERLIN_VARS)}
