"""A load stopped half-way (Ctrl-C, SIGTERM, SIGKILL): no traceback, every file landed
before the stop is whole, the interrupted one left no row, and the same command finishes
the job. The test waits for the loader's own log line saying a file landed, never a timer."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
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


def _start(landing: Path, db: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "loaders", "load", "--source-dir", str(landing), "--database", str(db), "-v"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


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
