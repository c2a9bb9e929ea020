"""A full disk while landing: a clear message, exit 5, no traceback, and the warehouse keeps
every file landed before (checked against the audit rows) and nothing of the refused one.

Two ways to run out of room: a file size limit (RLIMIT_FSIZE, no privileges needed) and, where
this process may mount one, a 3 MiB tmpfs holding the warehouse.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The committed sample's orders, order items and customers (about 5.7 MB of CSV)."""
    root = tmp_path_factory.mktemp("landing")
    for rel in ("shop/orders", "shop/order_items", "shop/customers"):
        shutil.copytree(REPO / "seeds" / rel, root / rel)
    return root


def _load(landing: Path, db: Path, *, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), no signal
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cmd = [sys.executable, "-m", "loaders", "load", "--source-dir", str(landing), "--database", str(db), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(cmd, preexec_fn=limit, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def _assert_consistent(db: Path, refused_file: str) -> None:
    """Every landed file of the audit has exactly its rows; the refused file has none."""
    with duckdb.connect(str(db), read_only=True) as con:
        landed = con.execute(
            "SELECT table_name, source_file, rows_loaded FROM raw._load_audit WHERE status = 'loaded'"
        ).fetchall()
        for table, source_file, rows in landed:
            present = con.execute(f"SELECT count(*) FROM raw.{table} WHERE _source_file = ?", [source_file]).fetchone()
            assert present[0] == rows, source_file
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall():
            if not table.startswith("_"):
                refused = con.execute(f"SELECT count(*) FROM raw.{table} WHERE _source_file = ?", [refused_file])
                assert refused.fetchone()[0] == 0


def _refused_file(stderr: str) -> str:
    return stderr.split(" while landing ")[1].split(" (")[0]


def test_file_size_limit_is_a_clear_warehouse_error(landing, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    proc = _load(landing, db, fsize=3_000_000)
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the disk holding the warehouse is full, or a file size limit was reached while landing shop/" in proc.stderr
    assert "File too large" in proc.stderr
    assert "free some space and load again" in proc.stderr
    _assert_consistent(db, _refused_file(proc.stderr))
    # with room again, the same command completes the warehouse
    assert _load(landing, db).returncode == 0


@pytest.fixture
def small_tmpfs(tmp_path) -> Path:
    mount = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root or a user namespace)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_is_a_clear_warehouse_error(landing, small_tmpfs):
    db = small_tmpfs / "warehouse.duckdb"
    proc = _load(landing, db)
    assert proc.returncode == 5, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "No space left on device" in proc.stderr
    _assert_consistent(db, _refused_file(proc.stderr))
