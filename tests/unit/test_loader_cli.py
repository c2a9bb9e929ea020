"""The command line: summary, exit codes and dispatch to other modules' commands."""

from __future__ import annotations

import sys
import types

import pytest

from loaders import cli


def test_load_prints_a_per_table_summary(fixtures_dir, warehouse, capsys):
    code = cli.main(["load", "--target", "duckdb", "--source-dir", str(fixtures_dir / "loaders" / "bad_rows")])
    out, err = capsys.readouterr()
    assert code == 0  # quarantined rows are reported, not a failure
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in out.splitlines()
        if "│" in line
    }
    # table: files, rows read, loaded, rejected (then seconds, rows/s)
    assert rows["orders"][:4] == ["1 new", "14", "5", "9"]
    assert rows["events"][:4] == ["1 new", "8", "3", "5"]
    assert rows["tickets"][:4] == ["none: empty", "0", "0", "0"]
    assert "17 row(s) quarantined: see raw._quarantine" in out
    assert "warning: shop/orders/orders.csv: 1 row(s) with status outside accepted_values" in err
    assert warehouse.exists()

    assert cli.main(["load", "--source-dir", str(fixtures_dir / "loaders" / "bad_rows")]) == 0
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if "│" in line}
    assert "1 same" in rows["orders"]


def test_quiet_prints_nothing_on_success(fixtures_dir, warehouse, capsys):
    assert cli.main(["load", "--source-dir", str(fixtures_dir / "loaders" / "partial"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_bad_usage_exits_2(capsys):
    assert cli.main(["load"]) == 2
    assert "--source-dir" in capsys.readouterr().err
    assert cli.main(["load", "--source-dir", ".", "--target", "oracle"]) == 2


def test_dispatch_passes_arguments_to_the_owning_module(monkeypatch):
    seen = {}
    fake = types.ModuleType("loaders._fake_kpis")
    fake.main = lambda argv: seen.setdefault("argv", argv) and 0
    monkeypatch.setitem(sys.modules, "loaders._fake_kpis", fake)
    monkeypatch.setitem(cli.DISPATCH, "kpis", ("loaders._fake_kpis", "help"))
    assert cli.main(["kpis", "--top", "5"]) == 0
    assert seen["argv"] == ["--top", "5"]


def test_dispatch_to_a_missing_module_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setitem(cli.DISPATCH, "report", ("loaders._not_written_yet", "help"))
    assert cli.main(["report", "--rows", "10"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: `report` is not available in this version (loaders._not_written_yet is missing)"
    )


@pytest.mark.parametrize("argv", [["--help"], ["load", "--help"]])
def test_help_exits_0(argv, capsys):
    assert cli.main(argv) == 0
    assert "usage: python -m loaders" in capsys.readouterr().out
