"""The IAM role matrix (``terraform/iam_matrix.yml``): load it, render it, keep the README in step.

The matrix is the documented list of every grant of the deployment. This module renders it
as Markdown between ``<!-- iam-matrix:start -->`` and ``<!-- iam-matrix:end -->`` in a
README, and checks that a README is up to date; the governance tests compare the same file
with the grants in ``terraform/*.tf``.

Usage::

    python terraform/scripts/iam_matrix.py --write terraform/README.md   # re-render
    python terraform/scripts/iam_matrix.py --check terraform/README.md   # exit 1 when stale
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

MATRIX_PATH = Path(__file__).resolve().parents[1] / "iam_matrix.yml"
START = "<!-- iam-matrix:start -->"
END = "<!-- iam-matrix:end -->"
SCOPE_KINDS = (
    "project",
    "bucket",
    "dataset",
    "table",
    "topic",
    "subscription",
    "service_account",
    "secret",
    "taxonomy",
    "policy_tag",
)


class MatrixError(ValueError):
    """The matrix file is malformed (missing key, unknown scope kind or custom role)."""


@dataclass(frozen=True)
class Grant:
    """One documented grant.

    Attributes:
        principal: key of the principal in the matrix, e.g. ``"dbt"``.
        member: how Terraform names the member, e.g. ``"service_account.dbt"``,
            ``"var.analysts_group"`` or a literal ``"group:x@example.com"``.
        role: predefined role (``"roles/bigquery.dataViewer"``) or ``"custom:<name>"``.
        scope: the resource, ``"project"`` or ``"<kind>:<terraform name>"`` (``"dataset:marts"``).
        why: one-line justification shown in the README.
    """

    principal: str
    member: str
    role: str
    scope: str
    why: str


@dataclass(frozen=True)
class Matrix:
    """The whole matrix.

    Attributes:
        grants: every grant, in file order.
        custom_roles: custom role name -> its permissions (sorted tuple).
        principals: principal key -> one-line description.
    """

    grants: tuple[Grant, ...]
    custom_roles: dict[str, tuple[str, ...]]
    principals: dict[str, str]


def load_matrix(path: Path = MATRIX_PATH) -> Matrix:
    """Read and check the matrix file.

    Args:
        path: the YAML file; defaults to ``terraform/iam_matrix.yml``.

    Returns:
        The parsed :class:`Matrix`.

    Raises:
        MatrixError: a principal without ``member``/``grants``, a grant without
            ``role``/``scope``/``why``, an unknown scope kind, or an undeclared custom role;
            the message names the file and the principal.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    custom_roles = {name: tuple(sorted(spec["permissions"])) for name, spec in (raw.get("custom_roles") or {}).items()}
    grants: list[Grant] = []
    principals: dict[str, str] = {}
    for key, spec in raw["principals"].items():
        if "member" not in spec or not spec.get("grants"):
            raise MatrixError(f"{path}: principal {key!r} needs `member` and at least one grant")
        principals[key] = spec.get("what", "")
        for grant in spec["grants"]:
            missing = {"role", "scope", "why"} - grant.keys()
            if missing:
                raise MatrixError(f"{path}: principal {key!r} has a grant without {sorted(missing)}: {grant}")
            kind = grant["scope"].split(":", 1)[0]
            if kind not in SCOPE_KINDS or (kind != "project") != (":" in grant["scope"]):
                raise MatrixError(f"{path}: principal {key!r}: unknown scope {grant['scope']!r} (kinds: {SCOPE_KINDS})")
            if grant["role"].startswith("custom:") and grant["role"][7:] not in custom_roles:
                raise MatrixError(f"{path}: principal {key!r}: {grant['role']} is not under custom_roles")
            grants.append(Grant(key, spec["member"], grant["role"], grant["scope"], grant["why"]))
    return Matrix(tuple(grants), custom_roles, principals)


def render(matrix: Matrix) -> str:
    """Render the matrix as Markdown (the text that goes between the README markers).

    Args:
        matrix: the loaded matrix.

    Returns:
        A Markdown table of grants (one row per grant), then the custom roles, newline-terminated.
    """
    lines = [
        "| Principal | Terraform member | Role | Scope | Why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for grant in matrix.grants:
        lines.append(f"| {grant.principal} | `{grant.member}` | `{grant.role}` | `{grant.scope}` | {grant.why} |")
    lines.append("")
    lines.append("Custom roles:")
    lines.append("")
    for name, permissions in matrix.custom_roles.items():
        lines.append(f"- `custom:{name}`: {', '.join(f'`{p}`' for p in permissions)}")
    return "\n".join(lines) + "\n"


def splice(document: str, block: str, *, source: str = "README") -> str:
    """Replace the text between the matrix markers of a document.

    Args:
        document: the whole README text.
        block: the new text between the markers.
        source: name of the document, for the error message.

    Returns:
        The document with the block replaced.

    Raises:
        MatrixError: the markers are missing or out of order.
    """
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise MatrixError(f"{source}: needs the markers {START} ... {END}")
    return document[: start + len(START)] + "\n" + block + document[end:]


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--write README`` re-renders, ``--check README`` reports staleness.

    Args:
        argv: arguments (defaults to ``sys.argv[1:]``).

    Returns:
        0 when written or up to date, 1 when ``--check`` finds the README stale.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, metavar="README")
    mode.add_argument("--check", type=Path, metavar="README")
    args = parser.parse_args(argv)
    target: Path = args.write or args.check
    current = target.read_text(encoding="utf-8")
    wanted = splice(current, render(load_matrix()), source=str(target))
    if args.write:
        target.write_text(wanted, encoding="utf-8")
        return 0
    if current != wanted:
        print(f"{target}: the IAM matrix is stale; run `make tf-docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
