"""A load stopped half-way (Ctrl-C, SIGTERM, SIGKILL): no traceback, every file landed
before the stop is whole, the interrupted one left no row, and the same command finishes
the job. The stop waits for the loader's own log line saying a file landed, never a timer; a stop inside a
long DuckDB query (which DuckDB reports in its own way) ends the same way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The sample's order items split in 200 files, so a stop falls between or inside files (with
    enough files left after the third that the signal lands before the last, even on a loaded machine)."""
    root = tmp_path_factory.mktemp("landing")
    shutil.copytree(REPO / "seeds/shop/orders", root / "shop/orders")
    lines = (REPO / "seeds/shop/order_items/order_items.csv").read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    (root / "shop/order_items").mkdir(parents=True)
    step = len(rows) // 200 + 1
    for i in range(0, len(rows), step):
        (root / f"shop/order_items/part-{i // step:03d}.csv").write_text(header + "".join(rows[i : i + step]))
    return root


def _terminal_sigint() -> None:
    """Ctrl-C as from a terminal: a suite started as a shell's background job would pass SIGINT on ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(landing: Path, db: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "loaders", "load", "--source-dir", str(landing), "--database", str(db), "-v"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_terminal_sigint,
    )


def _wait_for_landed_files(proc: subprocess.Popen, n: int) -> list[str]:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if sum(" loaded, " in x for x in seen) >= n:
            return seen
    pytest.fail("the loader ended before landing the files:\n" + "".join(seen))


def _assert_whole_files_only(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        landed = dict(
            con.execute(
                "SELECT source_file, rows_loaded FROM raw._load_audit "
                "WHERE status = 'loaded' AND table_name = 'order_items'"
            ).fetchall()
        )
        present = dict(con.execute("SELECT _source_file, count(*) FROM raw.order_items GROUP BY 1").fetchall())
    assert present == landed  # no partial file, no row of a file without its audit row


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 130), (signal.SIGKILL, -9)])
def test_a_stopped_load_keeps_whole_files_and_resumes(landing, tmp_path, sig, code):
    db = tmp_path / "warehouse.duckdb"
    proc = _start(landing, db)
    _wait_for_landed_files(proc, 3)
    proc.send_signal(sig)
    rest = proc.stderr.read()
    assert proc.wait() == code
    assert "Traceback" not in rest
    if sig != signal.SIGKILL:
        assert "interrupted: the file being landed was rolled back" in rest
    _assert_whole_files_only(db)
    again = subprocess.run(
        [sys.executable, "-m", "loaders", "load", "--source-dir", str(landing), "--database", str(db), "--quiet"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT order_item_id) FROM raw.order_items").fetchone() == (
            41301,
            41301,
        )


# The CLI with load_directory replaced by one DuckDB query of about 3 s (longer on a loaded machine): the stop
# arrives inside it. DuckDB notices the pending signal only when the query returns, and then raises
# RuntimeError("Query interrupted") instead of the handler's KeyboardInterrupt.
_IN_QUERY = """
import sys, duckdb, loaders.cli as cli
def _long_query(*args, **kwargs):
    con = duckdb.connect()
    print("querying", file=sys.stderr, flush=True)
    con.execute("CREATE TEMP TABLE t AS SELECT count(*) FROM range(1000000000) r(x) WHERE x % 7 = 3")
    raise AssertionError("the query ended before the signal")
cli.load_directory = _long_query
sys.exit(cli.main(["load", "--source-dir", sys.argv[1], "--quiet"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_inside_a_duckdb_query_is_an_interruption_not_a_crash(tmp_path, sig):
    """DuckDB reports a query cut short by the signal as RuntimeError('Query interrupted'): the CLI still
    exits 130 with its message, and no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _IN_QUERY, str(tmp_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_terminal_sigint,
    )
    assert proc.stderr.readline() == "querying\n"
    time.sleep(0.5)  # well inside the query: a signal sent before it starts is a plain KeyboardInterrupt
    proc.send_signal(sig)
    rest = proc.stderr.read()
    assert proc.wait() == 130, rest
    assert "Traceback" not in rest and "interrupted: the file being landed was rolled back" in rest
