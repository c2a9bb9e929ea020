"""Split a generated landing zone into a base and one set of files per later day (test helper).

Used by the incremental tests to replay "daily exports arriving": each contract feed is split
by its ``loaded_at_field`` (orders and items by ``updated_at``, events by ``event_timestamp``...).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date
from pathlib import Path

from loaders.contract import load_contract


def _day(value: str) -> date:
    return date.fromisoformat(value.strip()[:10])


def split_landing_zone(src: Path, base_dir: Path, days_dir: Path, last_base_day: date) -> list[date]:
    """Split every contract feed under ``src`` by its ``loaded_at_field`` day.

    Rows up to ``last_base_day`` go to ``base_dir`` (same file names); rows of each later
    day to ``days_dir/<day>/<source>/<table>/<table>_<day>.<ext>``. Bytes of each record are
    re-serialised with Python's csv/json modules (values unchanged).

    Returns:
        The later days found, sorted.
    """
    later: set[date] = set()
    for table in load_contract().tables:
        for path in sorted(src.glob(table.files)):
            gz = path.name.endswith(".gz")
            text = (gzip.decompress(path.read_bytes()) if gz else path.read_bytes()).decode("utf-8")
            rel = path.relative_to(src)
            buckets: dict[date | None, list] = {}
            if table.format == "csv":
                reader = csv.DictReader(io.StringIO(text, newline=""))
                header = reader.fieldnames
                for row in reader:
                    d = _day(row[table.loaded_at_field])
                    buckets.setdefault(None if d <= last_base_day else d, []).append(row)
            else:
                for line in text.splitlines():
                    if line.strip():
                        d = _day(json.loads(line)[table.loaded_at_field])
                        buckets.setdefault(None if d <= last_base_day else d, []).append(line)
            for d, rows in buckets.items():
                if d is None:
                    out = base_dir / rel
                else:
                    later.add(d)
                    stem = path.name.split(".")[0]
                    ext = ".csv" if table.format == "csv" else ".jsonl"
                    out = days_dir / d.isoformat() / rel.parent / f"{stem}_{d.isoformat()}{ext}"
                out.parent.mkdir(parents=True, exist_ok=True)
                if table.format == "csv":
                    buf = io.StringIO(newline="")
                    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
                    writer.writeheader()
                    writer.writerows(rows)
                    data = buf.getvalue()
                else:
                    data = "\n".join(rows) + "\n"
                if out.name.endswith(".gz"):
                    out.write_bytes(gzip.compress(data.encode("utf-8")))
                else:
                    out.write_text(data, encoding="utf-8")
    return sorted(later)
