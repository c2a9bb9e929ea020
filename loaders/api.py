"""The loaders' Python API: what the CLI and Airflow call.

``load_directory`` lands every contract feed found under a source directory;
``load_file`` lands one file. Both are idempotent per file: a file whose content
(sha256) already landed is ``unchanged``; a new version of a file replaces its earlier
rows atomically (``replaced``). A file that fails leaves the warehouse as it was and
gets a ``failed`` audit row; the other files of the run still load. A file that
disappears from the landing directory keeps its rows unless the run prunes (``prune=True``).
A local warehouse holds one landing directory unless told otherwise (see ``load_directory``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from loaders.backends import get_backend
from loaders.backends.base import Backend
from loaders.contract import Contract, Table, load_contract
from loaders.discovery import (
    check_inside,
    check_source_dir,
    describe_file,
    infer_source_file,
    resolve_tables,
    table_files,
    unmatched_files,
)
from loaders.errors import (
    FileNotFoundLoaderError,
    LandingDirectoryConflictError,
    LoaderError,
    MissingRequiredFeedError,
    UnknownTargetError,
)
from loaders.mapping import MappedFeed, mapped_file
from loaders.mapping import plan as mapping_plan
from loaders.progress import FileProgress
from loaders.report import FileResult, LoadReport, utc_now

log = logging.getLogger(__name__)


def load_directory(
    source_dir: Path,
    *,
    target: str = "duckdb",
    database: Path | None = None,
    tables: Sequence[str] | None = None,
    progress: bool = False,
    raise_on_error: bool = True,
    contract: Contract | None = None,
    prune: bool = False,
    add_landing_dir: bool = False,
) -> LoadReport:
    """Land every file of the contract's feeds found under ``source_dir``.

    Files are found with each table's ``files`` glob (e.g. ``shop/orders/*.csv``) and
    loaded in contract order, then path order. Every contract table exists in the raw
    layer afterwards (empty when its feed is absent), so dbt sources always resolve.

    Args:
        source_dir: the landing directory (``seeds/`` for the sample data).
        target: ``duckdb`` (local) or ``bigquery``.
        database: DuckDB file; default ``$DUCKDB_PATH``, else ``build/warehouse.duckdb``.
        tables: load only these tables (names or fqns); then absent required feeds are not an error.
        progress: draw a progress bar on stderr.
        raise_on_error: raise the first file's error after the whole run (with ``.report`` set);
            with False, failures are only in the returned report (``report.ok`` is False).
        contract: the data contract; default ``loaders/contract.yml``.
        prune: afterwards, remove the rows of the covered tables' files that are no longer in
            ``source_dir`` (``pruned`` results); also lets ``source_dir`` replace another landing
            directory the warehouse was loaded from.
        add_landing_dir: load even when the warehouse holds another landing directory's files
            (directories per day or per source, on purpose).

    One warehouse holds one landing directory by default (where the backend tracks them, the
    local DuckDB): loading a second directory into it is refused before anything is loaded,
    since its files would mix with the first one's, unless ``prune`` or ``add_landing_dir``.

    Returns:
        The run's ``LoadReport`` (one ``FileResult`` per file).

    Raises:
        SourceDirectoryNotFoundError: ``source_dir`` is not a directory (nothing touched).
        UnknownTableError: a name in ``tables`` is not in the contract (nothing touched).
        MissingRequiredFeedError: no file for a ``required: true`` feed and ``tables`` not given
            (nothing touched).
        LandingDirectoryConflictError: the warehouse holds another landing directory's files
            (nothing loaded; the message names the remedies).
        UnknownTargetError: ``prune`` on a backend that cannot prune.
        LoaderError: with ``raise_on_error``, the first failed file's error (``EmptyFileError``,
            ``UnreadableFileError``, ``SchemaMismatchError``...) once every other file is loaded.
    """
    contract = contract or load_contract()
    selected = resolve_tables(contract, tables)
    root = check_source_dir(Path(source_dir))
    mapped = mapping_plan(root, contract, selected)  # None without a mapping.yml in root
    feeds: dict[tuple[str, Path], MappedFeed] = {}
    if mapped is not None:
        feeds = {(t.name, p): feed for t, p, feed in mapped[1]}
    fed = {t for t, _ in feeds}
    plan = sorted(
        [(t, p) for t, p, _ in (mapped[1] if mapped else ())]
        + [(t, p) for t in selected if t.name not in fed for p in table_files(root, t)],
        key=lambda tp: (contract.tables.index(tp[0]), tp[1]),
    )
    if tables is None:
        found = {t.name for t, _ in plan}
        missing = [t for t in selected if t.required and t.name not in found]
        if missing:
            names = ", ".join(f"{t.fqn} ({t.files})" for t in missing)
            raise MissingRequiredFeedError(
                f"no file for the required feed(s) {names}; pass tables=... to load only some feeds",
                file=root,
            )
    with get_backend(target, database=database) as backend:
        if prune and not backend.tracks_landing_dirs:
            raise UnknownTargetError(f"--prune is not available for the {backend.name} target")
        backend.ensure_raw_tables(contract.tables)
        if backend.tracks_landing_dirs and not (prune or add_landing_dir):
            _check_one_landing_dir(backend, root, contract)
        report = LoadReport(
            target=backend.name,
            database=backend.location,
            tables=tuple(t.name for t in selected),
            unmatched_files=tuple(u for u in unmatched_files(root, contract) if root / u not in {p for _, p in plan}),
        )
        for f in report.unmatched_files:
            log.warning("%s: no contract table claims this file; ignored", f)
        errors: list[LoaderError] = []
        sizes = {p: _size(p) for _, p in plan}
        planned = [p for _, p in plan]
        with FileProgress(progress, sum(sizes[p] for _, p in plan)) as bar:
            for table, path in plan:
                source_file = path.relative_to(root).as_posix()
                bar.start(source_file)
                feed = feeds.get((table.name, path))
                result, error = _load_one(backend, path, table, source_file, root=root, others=planned, feed=feed)
                report.files.append(result)
                bar.done(sizes[path])
                if error is not None:
                    errors.append(error)
                    if error.kind == "warehouse":
                        log.error("the warehouse refused a write: the run stops before the remaining files")
                        break
        if backend.tracks_landing_dirs and not any(e.kind == "warehouse" for e in errors):
            if prune:
                present = {p.relative_to(root).as_posix() for _, p in plan}
                for table in selected:
                    for source_file in backend.held_files(table):
                        if source_file not in present:
                            report.files.append(backend.prune(table, source_file, started_at=utc_now()))
            backend.record_landing_dir(str(root), at=utc_now(), only=prune)
    if errors and raise_on_error:
        first = errors[0]
        first.report = report
        raise first
    return report


def load_file(
    path: Path,
    table: str,
    *,
    target: str = "duckdb",
    database: Path | None = None,
    source_dir: Path | None = None,
    contract: Contract | None = None,
) -> LoadReport:
    """Land one file into ``raw.<table>`` (same rules as ``load_directory``).

    Args:
        path: the file.
        table: contract table name or fqn (``orders`` / ``shop.orders``).
        target: ``duckdb`` or ``bigquery``.
        database: DuckDB file; default ``$DUCKDB_PATH``, else ``build/warehouse.duckdb``.
        source_dir: the landing root the file's identity (``_source_file``) is relative to;
            give it so a file keeps the identity ``load_directory`` gives it. Without it the
            root is inferred from the table's glob when the path fits it, else the file name is used.
        contract: the data contract; default ``loaders/contract.yml``.

    Returns:
        A ``LoadReport`` with one ``FileResult``.

    Raises:
        UnknownTableError: ``table`` is not in the contract.
        FileNotFoundLoaderError, EmptyFileError, UnreadableFileError, SchemaMismatchError,
        ReconciliationError: the file failed (its audit row says ``failed``; nothing else changed).
    """
    contract = contract or load_contract()
    (t,) = resolve_tables(contract, [table])
    path = Path(path)
    if not path.exists():
        raise FileNotFoundLoaderError("file does not exist", file=path)
    source_file = infer_source_file(path, t, source_dir)
    with get_backend(target, database=database) as backend:
        backend.ensure_raw_tables(contract.tables)
        report = LoadReport(target=backend.name, database=backend.location, tables=(t.name,))
        root = Path(source_dir).resolve() if source_dir is not None else None
        result, error = _load_one(backend, path, t, source_file, root=root)
        report.files.append(result)
    if error is not None:
        error.report = report
        raise error
    return report


def _check_one_landing_dir(backend: Backend, root: Path, contract: Contract) -> None:
    """Refuse to load ``root`` into a warehouse that holds files of another landing directory
    (a directory the warehouse already counts as its own, or an empty warehouse, is fine)."""
    dirs = backend.landing_dirs()
    others = [d for d in dirs if d != str(root)]
    if not others or str(root) in dirs:
        return
    held = sum(len(backend.held_files(t)) for t in contract.tables)
    if not held:
        return
    raise LandingDirectoryConflictError(
        f"this warehouse ({backend.location}) holds {held} file(s) landed from {', '.join(others)}; loading {root} "
        "into it would mix the two sets of data. Use a warehouse of its own (--database PATH, or DUCKDB_PATH=PATH; "
        "with make: DUCKDB_PATH=build/mine.duckdb), or pass --prune to replace the earlier directory's files with "
        "this one's, or --add-landing-dir if both directories belong together (one per day, say)",
        file=root,
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _load_one(
    backend: Backend,
    path: Path,
    table: Table,
    source_file: str,
    *,
    root: Path | None,
    others: Sequence[Path] = (),
    feed: MappedFeed | None = None,
) -> tuple[FileResult, LoaderError | None]:
    """Load one file; never raises a ``LoaderError`` (returns it with a ``failed`` result instead).

    ``root``: the resolved landing directory the file must really lie in (None: not checked);
    ``others``: the run's other files, which a link may not lead to (``discovery.check_inside``);
    ``feed``: the mapping that turns this export into ``table`` (``loaders.mapping``), or None.
    """
    started = utc_now()
    sha256, nbytes = None, _size(path)

    def nothing_landed(status: str, error: BaseException | None = None) -> FileResult:
        """Record an ``unchanged`` or ``failed`` attempt in the audit table."""
        result = FileResult.without_rows(
            table=table.name,
            source_file=source_file,
            sha256=sha256,
            bytes=nbytes,
            status=status,
            started_at=started,
            error=None if error is None else str(error),
            error_kind=None if error is None else getattr(error, "kind", "unexpected"),
        )
        try:
            backend.record_attempt(result)
        except LoaderError as e:
            if error is None or getattr(error, "kind", None) != "warehouse":
                raise
            log.error("%s: the failed attempt could not be audited either: %s", source_file, e)
        return result

    def failed(error: BaseException) -> FileResult:
        log.error("%s", error)
        return nothing_landed("failed", error)

    try:
        if root is not None:
            check_inside(path, root, source_file, others)
        described = describe_file(path, table, source_file)
        if feed is not None:
            described = mapped_file(described, feed)
        sha256, nbytes = described.sha256, described.bytes
        previous = backend.last_landing(table, source_file)
        if previous is not None and previous.sha256 == sha256 and previous.rows_present == previous.rows_loaded:
            result = nothing_landed("unchanged")
            log.info("%s: unchanged (sha256 %s already landed)", source_file, sha256[:12])
            return result, None
        result = backend.land(described, started_at=started, replacing=previous is not None)
    except LoaderError as e:
        return failed(e), e
    except Exception as e:
        failed(e)
        raise
    log.info(
        "%s: %s, %d read = %d loaded + %d rejected",
        source_file,
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_rejected,
    )
    return result, None
