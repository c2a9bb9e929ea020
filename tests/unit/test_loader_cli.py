"""The command line: summary, exit codes, options and their help."""

from __future__ import annotations

import argparse
import json
import tomllib

import pytest

import loaders
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


@pytest.mark.parametrize("argv", [["--help"], ["load", "--help"]])
def test_help_exits_0(argv, capsys):
    assert cli.main(argv) == 0
    assert "usage: python -m loaders" in capsys.readouterr().out


BAD_ROWS_TOTALS = {"rows_read": 14 + 5 + 8 + 3, "rows_loaded": 5 + 2 + 3 + 3, "rows_rejected": 9 + 3 + 5}


@pytest.mark.parametrize(
    ("threshold", "code"),
    [("0", 4), ("16", 4), ("17", 0), ("56%", 4), ("57%", 0), ("0.0%", 4)],
)
def test_fail_on_reject_threshold(fixtures_dir, warehouse, threshold, code, capsys):
    # bad_rows: 30 records read, 17 quarantined (56.7 %), per tests/fixtures/loaders/README.md
    argv = ["load", "--source-dir", str(fixtures_dir / "loaders" / "bad_rows"), "--quiet"]
    assert cli.main([*argv, "--fail-on-reject", threshold]) == code
    err = capsys.readouterr().err
    assert ("17 row(s) quarantined, more than --fail-on-reject" in err) == (code == 4)


@pytest.mark.parametrize("threshold", ["-1", "x", "1.5", "%"])
def test_fail_on_reject_refuses_what_is_not_a_count_or_percentage(threshold, capsys):
    assert cli.main(["load", "--source-dir", ".", "--fail-on-reject", threshold]) == 2
    assert "expected a row count (e.g. 0, 25) or a percentage (e.g. 0.5%)" in capsys.readouterr().err


def test_json_summary(fixtures_dir, warehouse, capsys):
    code = cli.main(["load", "--source-dir", str(fixtures_dir / "loaders" / "bad_rows"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["exit_code"] == 0 and out["outcome"] == "ok"
    assert out["totals"] == {"files": 4, "files_failed": 0, **BAD_ROWS_TOTALS}
    assert out["tables"]["orders"] == {
        "files": 1,
        "files_failed": 0,
        "rows_read": 14,
        "rows_loaded": 5,
        "rows_rejected": 9,
    }
    orders = next(f for f in out["files"] if f["table"] == "orders")
    assert orders["source_file"] == "shop/orders/orders.csv" and orders["status"] == "loaded"
    assert orders["warnings"] and "on_hold" in orders["warnings"][0]
    assert out["version"] == loaders.__version__ and out["database"] == str(warehouse)


def test_json_summary_of_a_refused_run(tmp_path, warehouse, capsys):
    code = cli.main(["load", "--source-dir", str(tmp_path / "nowhere"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["exit_code"] == 2 and out["outcome"] == "usage error"
    assert out["error"].endswith("nowhere: source directory does not exist")


def test_version_is_the_projects(repo_root, capsys):
    with (repo_root / "pyproject.toml").open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"python -m loaders {version}"


def _all_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        yield parser.prog, action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_actions(sub)


def test_every_option_has_help():
    missing = [
        (prog, action.dest)
        for prog, action in _all_actions(cli._parser())
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert missing == []


def test_help_lists_the_exit_codes(capsys):
    assert cli.main(["load", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit codes: 0 ok; 1 unexpected error; 2 usage error; 3 data error" in text
    assert "4 rows rejected over --fail-on-reject; 5 warehouse error; 130 interrupted." in text
