"""Terminal progress for long loads: one rich progress bar over the bytes of all files."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class FileProgress:
    """Progress over files, advanced by bytes; a no-op when ``enabled`` is False.

    Args:
        enabled: draw the bar (on stderr, so stdout stays clean for summaries).
        total_bytes: sum of the sizes of the files to load.

    Use as a context manager; call ``start(name)`` before a file and ``done(nbytes)`` after it.
    """

    def __init__(self, enabled: bool, total_bytes: int):
        self._progress = (
            Progress(
                TextColumn("[bold]{task.description}", justify="left"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            if enabled
            else None
        )
        self._total = total_bytes
        self._task = None

    def __enter__(self) -> FileProgress:
        if self._progress is not None:
            self._progress.start()
            self._task = self._progress.add_task("loading", total=self._total)
        return self

    def start(self, name: str) -> None:
        """Show ``name`` as the file being loaded."""
        if self._progress is not None:
            self._progress.update(self._task, description=name)

    def done(self, nbytes: int) -> None:
        """Count ``nbytes`` more bytes as loaded."""
        if self._progress is not None:
            self._progress.advance(self._task, nbytes)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description="loaded")
            self._progress.stop()
