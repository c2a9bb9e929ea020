"""``python -m loaders.generator``: see ``loaders.generator.cli``."""

from loaders.generator.cli import main

raise SystemExit(main())
