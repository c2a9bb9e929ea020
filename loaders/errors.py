"""The loaders' exceptions: one small hierarchy rooted at ``LoaderError``.

Every error names what it can of *where* the problem is (file, line, column) so
the CLI can print one clear line, and Airflow can show the same text in a task log.
Each class has a ``kind`` the CLI turns into its exit code: ``usage`` (the command was
asked something impossible), ``data`` (a file or the landing directory is refused) or
``warehouse`` (the warehouse cannot be opened or written). Row-level problems are
never raised: they go to the quarantine table. These are file- and run-level problems only.
"""

from __future__ import annotations

from pathlib import Path


class LoaderError(Exception):
    """Base class of every error the loaders raise on purpose.

    Args:
        message: what went wrong and what was expected, without the location.
        file: the file concerned (as given or relative to the source directory), if any.
        line: 1-based physical line in ``file``, if known.
        column: column (header name or JSON key) concerned, if known.

    ``str(error)`` is ``"<file>:<line>: column <column>: <message>"`` with the parts
    that are unknown left out.
    """

    #: ``usage``, ``data`` or ``warehouse`` (see module docstring).
    kind = "data"

    def __init__(
        self, message: str, *, file: str | Path | None = None, line: int | None = None, column: str | None = None
    ):
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.column = column
        #: set by ``load_directory`` on the error it raises: the ``LoadReport`` of the whole run
        #: (the other files were still loaded; failed ones have ``status == "failed"``).
        self.report: object | None = None
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        if self.column is not None:
            where += f"column {self.column}: "
        return where + self.message


class SourceDirectoryNotFoundError(LoaderError):
    """The source directory does not exist or is not a directory."""

    kind = "usage"


class FileNotFoundLoaderError(LoaderError):
    """A file given to ``load_file`` does not exist."""


class EmptyFileError(LoaderError):
    """A file has no content at all (0 bytes, or nothing but blank lines)."""


class UnreadableFileError(LoaderError):
    """A file cannot be opened or decompressed (permissions, corrupt gzip, I/O error)."""


class RefusedLinkError(LoaderError):
    """A file of the landing directory is a symbolic link (or lies under a linked directory)
    that the loaders do not follow: its target is outside the landing directory, or is
    another file that is loaded under its own name (its rows would land twice)."""


class UnknownTableError(LoaderError):
    """A table name that the data contract does not define."""

    kind = "usage"


class UnknownTargetError(LoaderError):
    """A warehouse target that no backend implements."""

    kind = "usage"


class SchemaMismatchError(LoaderError):
    """A file's header (CSV) or key set (JSON lines) does not match the contract:
    missing, extra, renamed or duplicated columns. The whole file is refused."""


class MissingRequiredFeedError(LoaderError):
    """A feed the contract marks ``required: true`` has no file in the source directory."""


class LandingDirectoryConflictError(LoaderError):
    """The warehouse holds files of another landing directory; loading this one too would mix
    two sets of data (the message gives the remedies). Nothing was loaded."""


class WarehouseUnavailableError(LoaderError):
    """The warehouse cannot be opened for writing (e.g. another process holds the DuckDB file)."""

    kind = "warehouse"


class WarehouseWriteError(LoaderError):
    """The warehouse refused a write (disk full, a file size limit, an I/O error); the file's
    transaction was rolled back, so the warehouse keeps its state from before the file."""

    kind = "warehouse"


class RawTableMismatchError(LoaderError):
    """An existing raw table's columns differ from the contract (the contract changed
    since the warehouse was built); rebuild or migrate the raw table."""

    kind = "warehouse"


class ReconciliationError(LoaderError):
    """rows read != rows loaded + rows rejected for a file; the file's load is rolled back."""
