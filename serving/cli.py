"""Command line of the serving package: ``kpis`` (summary), ``api`` (HTTP API), ``bi`` (app), ``screenshot``,
``looker-studio`` (Linking API URLs of the exposures)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = "usage: python -m serving {kpis,api,bi,screenshot,looker-studio} [options]"


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the sub-command's own ``main``.

    Args:
        argv: command line after ``python -m serving`` (default ``sys.argv[1:]``).

    Returns:
        The sub-command's exit status; 2 for an unknown or missing sub-command.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in {"kpis", "api", "bi", "screenshot", "looker-studio"}:
        print(USAGE, file=sys.stderr)
        return 2
    command, rest = args[0], args[1:]
    if command == "kpis":
        from serving import kpis

        return kpis.main(rest)
    if command == "api":
        from serving.api import serve

        return serve(rest)
    if command == "bi":
        from serving.app_launcher import main as bi_main

        return bi_main(rest)
    if command == "looker-studio":
        from serving.looker_studio import main as looker_main

        return looker_main(rest)
    from serving.screenshot import main as screenshot_main

    return screenshot_main(rest)
