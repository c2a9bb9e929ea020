"""`make run` passes DBT_VARS to every dbt command and TABLES to the loader, quoting intact.

The Python and dbt executables are replaced by a stub that records its arguments, so the
test checks exactly what `make` would run, without a warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def _stub(tmp_path: Path) -> tuple[Path, Path]:
    """An executable that appends its argv (a JSON list) to calls.jsonl; as ``loaders shop-vars``
    it prints ``{"reporting_currency": "GBP"}``."""
    calls = tmp_path / "calls.jsonl"
    stub = tmp_path / "record"
    stub.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"with open({str(calls)!r}, 'a') as fh:\n    fh.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if 'shop-vars' in sys.argv:\n    print(json.dumps({'reporting_currency': 'GBP'}))\n",
        encoding="utf-8",
    )
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return stub, calls


def _make_run(tmp_path: Path, *assignments: str) -> list[list[str]]:
    stub, calls = _stub(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("DBT_VARS", "TABLES", "MAKEFLAGS")}
    proc = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "run",
            f"PY={stub}",
            f"DBT={stub}",
            f"PRED_PY={stub}",
            f"DBT_STAMP={tmp_path / 'stamp'}",
            *assignments,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = [json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines()]
    # the fingerprint of what the last build saw (python -c ...): the stub prints none, so dbt runs
    return [call for call in recorded if call[:1] != ["-c"]]


def test_run_passes_vars_to_every_dbt_command_and_tables_to_the_loader(tmp_path):
    dbt_vars = """{date_spine_start: "1997-01-01", note: 'it''s "quoted"'}"""
    load, build, predict, build_predictions, docs, kpis = _make_run(
        tmp_path, f"DBT_VARS={dbt_vars}", "TABLES=orders,order_items"
    )
    assert load[:2] == ["-m", "loaders"] and load[-2:] == ["--tables", "orders,order_items"]
    assert build[0] == "build" and "--exclude" in build and build[-2:] == ["--vars", dbt_vars]
    assert predict[:3] == ["-m", "predictions", "run"]
    assert build_predictions[0] == "build" and "--select" in build_predictions
    assert build_predictions[-2:] == ["--vars", dbt_vars]
    assert docs[:2] == ["docs", "generate"] and docs[-2:] == ["--vars", dbt_vars]
    assert kpis == ["-m", "serving", "kpis"]


def test_run_without_arguments_adds_neither_option(tmp_path):
    load, build, _, build_predictions, docs, _ = _make_run(tmp_path)
    assert "--tables" not in load
    assert "--vars" not in build and "--vars" not in build_predictions and "--vars" not in docs


def test_run_passes_the_shop_vars_of_a_mapped_source_dir(tmp_path):
    source = tmp_path / "shop"
    source.mkdir()
    (source / "mapping.yml").write_text("preset: online_retail\n", encoding="utf-8")
    calls = _make_run(tmp_path, f"SEEDS_DIR={source}", "DBT_VARS={a: 1}")
    load, shop_vars, build, _, build_predictions, docs, _ = calls
    assert shop_vars == ["-m", "loaders", "shop-vars", "--source-dir", str(source), "--dbt-vars", "{a: 1}"]
    for call in (build, build_predictions, docs):
        assert call[-2:] == ["--vars", '{"reporting_currency": "GBP"}']
