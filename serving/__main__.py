"""``python -m serving kpis|api|bi|screenshot ...``: the consumers of the semantic layer."""

from __future__ import annotations

from serving.cli import main

raise SystemExit(main())
