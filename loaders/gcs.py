"""Landing files in Google Cloud Storage: the object layout, sha256 metadata, idempotent uploads.

Every source file the BigQuery backend lands is first archived, byte for byte, in the
landing bucket (Terraform's ``landing_bucket``: COLDLINE after 30 days, deleted after 365)::

    gs://<bucket>/<source>/<table>/dt=<YYYY-MM-DD>/<file name>

``dt`` is the UTC date the file was landed (ingestion date), so the bucket's age-based
lifecycle and a ``dt=`` prefix listing agree. The object carries the file's sha256 (hex)
and its warehouse identity (``source_file``) as custom metadata; an upload of content
that is already there (same name, same sha256) is skipped, so re-runs upload nothing.
Integrity of the transfer itself is checked by the client library (CRC32C).

Credentials are the library's usual ones (application default credentials, or the
emulator when ``STORAGE_EMULATOR_HOST`` is set).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

#: Custom metadata keys set on every landing object.
META_SHA256 = "sha256"
META_SOURCE_FILE = "source_file"

#: Content types by file name ending (the first match wins; ``.gz`` is checked first).
_CONTENT_TYPES = (
    (".gz", "application/gzip"),
    (".csv", "text/csv"),
    (".jsonl", "application/x-ndjson"),
    (".ndjson", "application/x-ndjson"),
    (".json", "application/json"),
)


@dataclass(frozen=True)
class UploadResult:
    """Where a file went and whether bytes were sent.

    Attributes:
        uri: ``gs://bucket/object``.
        object_name: the object's name inside the bucket.
        uploaded: False when an object with the same name and sha256 was already there.
        generation: the object's generation number (changes on every overwrite), or None if unknown.
    """

    uri: str
    object_name: str
    uploaded: bool
    generation: int | None


def landing_object_name(source: str, table: str, landed_on: date, source_file: str) -> str:
    """The landing object name of a source file.

    Args:
        source: contract source system, e.g. ``shop``.
        table: contract table, e.g. ``orders``.
        landed_on: UTC date the file is landed.
        source_file: the file's warehouse identity (``shop/orders/orders_2024.csv``); only its
            last component (the file name) is used.

    Returns:
        ``'<source>/<table>/dt=YYYY-MM-DD/<file name>'``, e.g. ``'shop/orders/dt=2024-03-01/orders_2024.csv'``.

    Raises:
        ValueError: an empty part, or a part containing ``/`` (source, table) or ``..``.
    """
    name = PurePosixPath(source_file).name
    for label, part in (("source", source), ("table", table), ("file name", name)):
        if not part or "/" in part or part in (".", ".."):
            raise ValueError(f"invalid {label} for a landing object name: {part!r}")
    return f"{source}/{table}/dt={landed_on.isoformat()}/{name}"


def content_type(file_name: str) -> str:
    """MIME type recorded on the object for ``file_name`` (``application/octet-stream`` if unknown)."""
    lower = file_name.lower()
    for suffix, ctype in _CONTENT_TYPES:
        if lower.endswith(suffix):
            return ctype
    return "application/octet-stream"


def upload_file(bucket, path: Path, object_name: str, *, sha256: str, source_file: str) -> UploadResult:
    """Upload ``path`` to ``object_name`` unless that object already holds the same content.

    Args:
        bucket: a ``google.cloud.storage.Bucket``.
        path: the local file.
        object_name: destination name (see ``landing_object_name``).
        sha256: hex sha256 of the file's bytes (computed by the loaders' discovery step).
        source_file: the file's warehouse identity, stored as metadata for lineage.

    Returns:
        An ``UploadResult``; ``uploaded`` is False when the object already had this sha256.

    Raises:
        google.api_core.exceptions.GoogleAPIError: the bucket does not exist, permission
            denied, or the transfer failed its checksum.
    """
    uri = f"gs://{bucket.name}/{object_name}"
    existing = bucket.get_blob(object_name)
    if existing is not None and (existing.metadata or {}).get(META_SHA256) == sha256:
        log.info("%s: already in %s (sha256 %s)", source_file, uri, sha256[:12])
        return UploadResult(uri=uri, object_name=object_name, uploaded=False, generation=existing.generation)
    blob = bucket.blob(object_name)
    blob.metadata = {META_SHA256: sha256, META_SOURCE_FILE: source_file}
    blob.upload_from_filename(str(path), content_type=content_type(path.name))
    log.info("%s: uploaded to %s", source_file, uri)
    return UploadResult(uri=uri, object_name=object_name, uploaded=True, generation=blob.generation)


def put_file(bucket, path: Path, object_name: str, *, metadata: dict[str, str]) -> str:
    """Upload ``path`` to ``object_name`` unconditionally (overwriting), returning its ``gs://`` URI.

    Used for the loader's own intermediate files (validated rows, quarantine rows) that
    BigQuery load jobs read. Raises ``google.api_core.exceptions.GoogleAPIError`` on failure.
    """
    blob = bucket.blob(object_name)
    blob.metadata = metadata
    blob.upload_from_filename(str(path), content_type=content_type(path.name))
    return f"gs://{bucket.name}/{object_name}"
