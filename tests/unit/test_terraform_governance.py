"""Governance promises of ``terraform/``, asserted over the HCL as Terraform would evaluate it.

``tfparse`` parses ``terraform/`` with variables, locals, ``for_each`` and arithmetic
evaluated (python-hcl2 would leave ``"${180 * 24 * ...}"`` as text), once per environment
file. The expected values are written here from the business's policy, by hand:

* raw files: COLDLINE after 30 days, deleted after 365 days (kept 1 year in cold storage);
* processed partitions (staging, intermediate, marts, reference) expire after 180 days:
  180 days x 86,400,000 ms = 15,552,000,000 ms; raw partitions after 365 days = 31,536,000,000 ms;
* no ``allUsers``/``allAuthenticatedUsers``, no basic roles, no authoritative IAM resources;
* every grant exactly as documented in ``terraform/iam_matrix.yml`` (the README renders the
  same file), and no PII column name of the data contract anywhere in Terraform.

Real Terraform (fmt, console) and checkov run in tests/integration/test_terraform_checks.py.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import tfparse

from loaders.contract import load_contract

ROOT = Path(__file__).resolve().parents[2]
TF_DIR = ROOT / "terraform"
ENVIRONMENTS = sorted(p.stem for p in (TF_DIR / "environments").glob("*.tfvars"))

# ---- the policy, computed by hand
RAW_COLD_AFTER_DAYS = 30
RAW_DELETE_AFTER_DAYS = 365
PROCESSED_PARTITION_MS = 15_552_000_000  # 180 days x 86,400,000 ms
RAW_PARTITION_MS = 31_536_000_000  # 365 days x 86,400,000 ms
PROCESSED_LAYERS = {"staging", "intermediate", "marts", "reference"}
ALL_LAYERS = PROCESSED_LAYERS | {"raw"}
BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")

# ---- how each grant resource names the resource it grants on
# type -> (scope kind, label of the referenced resource; None = project-level)
IAM_MEMBER_TYPES: dict[str, tuple[str, str | None]] = {
    "google_project_iam_member": ("project", None),
    "google_storage_bucket_iam_member": ("bucket", "google_storage_bucket"),
    "google_bigquery_dataset_iam_member": ("dataset", "google_bigquery_dataset"),
    "google_bigquery_table_iam_member": ("table", "google_bigquery_table"),
    "google_pubsub_topic_iam_member": ("topic", "google_pubsub_topic"),
    "google_pubsub_subscription_iam_member": ("subscription", "google_pubsub_subscription"),
    "google_service_account_iam_member": ("service_account", "google_service_account"),
    "google_secret_manager_secret_iam_member": ("secret", "google_secret_manager_secret"),
    "google_data_catalog_taxonomy_iam_member": ("taxonomy", "google_data_catalog_taxonomy"),
    "google_data_catalog_policy_tag_iam_member": ("policy_tag", "google_data_catalog_policy_tag"),
}

# Distinctive values for the identity variables, so that a grant's member can be traced back
# to the variable it came from (tfparse substitutes the value into the member string).
SENTINEL_VARS = {
    "project_id": "governance-test",
    "environment": "dev",
    "analysts_group": "analysts@governance.test",
    "pii_readers_group": "pii-readers@governance.test",
    "clickstream_publishers": ["serviceAccount:tracker-a@governance.test", "group:trackers@governance.test"],
}
SENTINEL_MEMBERS = {
    "group:analysts@governance.test": "var.analysts_group",
    "group:pii-readers@governance.test": "var.pii_readers_group",
    "serviceAccount:tracker-a@governance.test": "var.clickstream_publishers",
    "group:trackers@governance.test": "var.clickstream_publishers",
}


def _load_iam_matrix_module():
    spec = importlib.util.spec_from_file_location("iam_matrix", TF_DIR / "scripts" / "iam_matrix.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


iam_matrix = _load_iam_matrix_module()


@functools.cache
def parsed(env: str) -> dict[str, list[dict[str, Any]]]:
    """terraform/ evaluated with environments/<env>.tfvars."""
    return tfparse.load_from_path(str(TF_DIR), vars_paths=[f"environments/{env}.tfvars"])


@pytest.fixture(scope="module")
def sentinel_config(tmp_path_factory) -> dict[str, list[dict[str, Any]]]:
    """terraform/ evaluated with the sentinel identities of SENTINEL_VARS."""
    lines = []
    for name, value in SENTINEL_VARS.items():
        rendered = "[" + ", ".join(f'"{v}"' for v in value) + "]" if isinstance(value, list) else f'"{value}"'
        lines.append(f"{name} = {rendered}")
    var_file = tmp_path_factory.mktemp("tfvars") / "sentinel.tfvars"
    var_file.write_text("\n".join(lines) + "\n")
    # tfparse resolves var files relative to the module directory.
    return tfparse.load_from_path(str(TF_DIR), vars_paths=[os.path.relpath(var_file, TF_DIR)])


def one(config: dict, rtype: str, name: str) -> dict[str, Any]:
    """The resource ``rtype.name`` (or the for_each instance ``rtype.name["key"]``)."""
    matches = [r for r in config.get(rtype, []) if r["__tfmeta"]["path"] == f"{rtype}.{name}"]
    assert len(matches) == 1, f"expected exactly one {rtype}.{name}, found {len(matches)}"
    return matches[0]


def referenced(resource: dict[str, Any], label: str) -> list[str]:
    """Names of the resources of type ``label`` that ``resource`` references."""
    return [ref["name"] for ref in resource["__tfmeta"].get("references", []) if ref["label"] == label]


def walk_strings(value: Any):
    """Every string inside a parsed value (nested dicts and lists included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)


def terraform_sources() -> list[Path]:
    return sorted([*TF_DIR.rglob("*.tf"), *TF_DIR.rglob("*.tfvars")])


# ------------------------------------------------------------------ retention


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_raw_files_go_coldline_at_30_days_and_are_deleted_at_365(env):
    landing = one(parsed(env), "google_storage_bucket", "landing")
    rules = landing["lifecycle_rule"]
    cold = [r for r in rules if r["action"]["type"] == "SetStorageClass"]
    assert [(r["action"]["storage_class"], r["condition"]["age"]) for r in cold] == [("COLDLINE", RAW_COLD_AFTER_DAYS)]
    assert cold[0]["condition"]["matches_storage_class"] == ["STANDARD"]
    # Live objects: one Delete rule, at 365 days; nothing deletes them earlier.
    live_deletes = [r for r in rules if r["action"]["type"] == "Delete" and "age" in r["condition"]]
    assert [r["condition"]["age"] for r in live_deletes] == [RAW_DELETE_AFTER_DAYS]
    assert "with_state" not in live_deletes[0]["condition"]
    # Versions replaced by a re-load (noncurrent) go after a short grace period, never live ones.
    noncurrent = [r for r in rules if r["action"]["type"] == "Delete" and "age" not in r["condition"]]
    assert [(r["condition"]["with_state"], r["condition"]["days_since_noncurrent_time"]) for r in noncurrent] == [
        ("ARCHIVED", 7)
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_processed_partitions_expire_after_180_days_and_raw_after_365(env):
    datasets = {d["__tfmeta"]["path"]: d for d in parsed(env)["google_bigquery_dataset"]}
    expirations = {
        re.search(r'\["(\w+)"\]', path).group(1): d["default_partition_expiration_ms"] for path, d in datasets.items()
    }
    assert expirations == {layer: PROCESSED_PARTITION_MS for layer in PROCESSED_LAYERS} | {"raw": RAW_PARTITION_MS}
    stream = one(parsed(env), "google_bigquery_table", "clickstream_stream")
    assert stream["time_partitioning"]["expiration_ms"] == RAW_PARTITION_MS
    assert stream["time_partitioning"]["type"] == "DAY"
    assert stream["deletion_protection"] is True


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dataset_names_are_per_environment_and_match_dbt_schema_prefix(env):
    config = parsed(env)
    names = {
        re.search(r'\["(\w+)"\]', d["__tfmeta"]["path"]).group(1): d["dataset_id"]
        for d in config["google_bigquery_dataset"]
    }
    assert set(names) == ALL_LAYERS
    prefixes = {name[: -len(layer)] for layer, name in names.items() if name.endswith(layer)}
    assert len(prefixes) == 1, f"every dataset must be <prefix><layer>: {names}"
    composer_env = next(loc for loc in config["locals"] if "composer_env_variables" in loc)["composer_env_variables"]
    # dbt's generate_schema_name writes <DBT_SCHEMA_PREFIX><layer>: same datasets as Terraform's.
    assert composer_env["DBT_SCHEMA_PREFIX"] == prefixes.pop()
    assert composer_env["RAW_DATASET"] == names["raw"]
    assert composer_env["BIGQUERY_DATASET"] == names["intermediate"]


# ------------------------------------------------------------------ buckets


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_buckets_are_private_uniform_versioned_and_the_landing_bucket_is_logged(env):
    config = parsed(env)
    buckets = {b["__tfmeta"]["path"].split(".", 1)[1]: b for b in config["google_storage_bucket"]}
    assert set(buckets) == {"landing", "access_logs"}
    for name, bucket in buckets.items():
        assert bucket["uniform_bucket_level_access"] is True, name
        assert bucket["public_access_prevention"] == "enforced", name
        assert bucket["versioning"]["enabled"] is True, name
        assert bucket["force_destroy"] is False, name
    # Data stays in one region: buckets, datasets, policy tags and Composer (load jobs never cross).
    locations = {b["location"] for b in buckets.values()}
    locations |= {d["location"] for d in config["google_bigquery_dataset"]}
    locations |= {one(config, "google_data_catalog_taxonomy", "governance")["region"]}
    locations |= {one(config, "google_composer_environment", "this")["region"]}
    assert len(locations) == 1 and re.fullmatch(r"[a-z]+-[a-z]+\d+", locations.pop())
    logging = buckets["landing"]["logging"]
    assert logging["log_bucket"] == buckets["access_logs"]["name"]
    assert logging["log_object_prefix"] == "landing/"


# ------------------------------------------------------------------ no public access, no basic roles


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_public_member_and_no_basic_role_in_any_resource(env):
    config = parsed(env)
    for rtype, resources in config.items():
        if rtype in ("variable", "output"):
            continue
        for resource in resources:
            for text in walk_strings(resource):
                assert not any(member in text for member in PUBLIC_MEMBERS), (rtype, text)
            if "role" in resource and isinstance(resource["role"], str):
                assert resource["role"] not in BASIC_ROLES, (rtype, resource["role"])


def test_no_public_member_and_no_basic_role_in_the_terraform_text():
    for path in terraform_sources():
        text = path.read_text()
        assert not re.search(r'"roles/(owner|editor|viewer)"', text), path
        # Only the publisher variable's error message may name the public members (to refuse them).
        for line in text.splitlines():
            if "error_message" not in line:
                assert not any(member in line for member in PUBLIC_MEMBERS), (path, line)


def test_only_additive_iam_resources_and_every_grant_type_is_known(sentinel_config):
    authoritative = [t for t in sentinel_config if re.search(r"_iam_(binding|policy)$", t)]
    assert authoritative == [], "authoritative IAM resources silently remove grants made elsewhere"
    unknown = [t for t in sentinel_config if t.endswith("_iam_member") and t not in IAM_MEMBER_TYPES]
    assert unknown == [], f"grant types this test cannot map to the matrix: {unknown}"


# ------------------------------------------------------------------ the IAM matrix


def _member_key(member: Any) -> str:
    if not isinstance(member, str):
        raise AssertionError(f"unexpected member expression {member!r}")
    if m := re.fullmatch(r"serviceAccount:\$\{google_service_account\.(\w+)\.email\}", member):
        return f"service_account.{m.group(1)}"
    if m := re.fullmatch(r"serviceAccount:\$\{local\.(\w+)\}", member):
        return f"local.{m.group(1)}"
    return SENTINEL_MEMBERS.get(member, member)


def _role_key(role: Any) -> str:
    if isinstance(role, str):
        return role
    m = re.fullmatch(r"google_project_iam_custom_role\.(\w+)\.(name|id)", role["__attribute__"])
    assert m, f"unexpected role expression {role!r}"
    return f"custom:{m.group(1)}"


def _scope_key(rtype: str, resource: dict[str, Any]) -> str:
    kind, label = IAM_MEMBER_TYPES[rtype]
    if label is None:
        assert resource["project"] == SENTINEL_VARS["project_id"]
        return kind
    if kind == "service_account":
        m = re.fullmatch(r"google_service_account\.(\w+)\.name", resource["service_account_id"]["__attribute__"])
        return f"{kind}:{m.group(1)}"
    names = referenced(resource, label)
    assert len(names) == 1, f"{resource['__tfmeta']['path']} must reference one {label}, not {names}"
    name = names[0]
    if m := re.fullmatch(r'layer\["(\w+)"\]', name):
        name = m.group(1)
    return f"{kind}:{name}"


def grants_in_terraform(config) -> set[tuple[str, str, str]]:
    """(member, role, scope) of every *_iam_member resource instance."""
    found = set()
    for rtype in IAM_MEMBER_TYPES:
        for resource in config.get(rtype, []):
            found.add((_member_key(resource["member"]), _role_key(resource["role"]), _scope_key(rtype, resource)))
    return found


MATRIX = iam_matrix.load_matrix()


@pytest.mark.parametrize("principal", sorted(MATRIX.principals))
def test_each_principal_has_exactly_the_documented_roles(principal, sentinel_config):
    documented = {(g.member, g.role, g.scope) for g in MATRIX.grants if g.principal == principal}
    member = next(iter(documented))[0]
    actual = {grant for grant in grants_in_terraform(sentinel_config) if grant[0] == member}
    assert actual == documented, (
        f"{principal}: in terraform only {sorted(actual - documented)}; in iam_matrix.yml only "
        f"{sorted(documented - actual)}"
    )


def test_no_grant_outside_the_documented_matrix(sentinel_config):
    documented = {(g.member, g.role, g.scope) for g in MATRIX.grants}
    assert grants_in_terraform(sentinel_config) == documented


def test_custom_roles_and_service_accounts_are_as_documented(sentinel_config):
    for name, permissions in MATRIX.custom_roles.items():
        role = one(sentinel_config, "google_project_iam_custom_role", name)
        assert tuple(sorted(role["permissions"])) == permissions
    accounts = {r["__tfmeta"]["path"].split(".", 1)[1] for r in sentinel_config["google_service_account"]}
    documented_accounts = {g.member.split(".", 1)[1] for g in MATRIX.grants if g.member.startswith("service_account.")}
    assert accounts == documented_accounts == {"loader", "dbt", "composer"}


def test_fine_grained_pii_reader_role_goes_to_the_privileged_group_and_the_hashing_dbt_account(sentinel_config):
    readers = [
        _member_key(resource["member"])
        for rtype in IAM_MEMBER_TYPES
        for resource in sentinel_config.get(rtype, [])
        if _role_key(resource["role"]) == "roles/datacatalog.categoryFineGrainedReader"
    ]
    # people: the privileged group; machines: only dbt, whose staging models hash the raw PII
    assert sorted(readers) == ["service_account.dbt", "var.pii_readers_group"]
    taxonomy = one(sentinel_config, "google_data_catalog_taxonomy", "governance")
    assert taxonomy["activated_policy_types"] == ["FINE_GRAINED_ACCESS_CONTROL"]


def test_the_readme_shows_the_current_matrix():
    readme = TF_DIR / "README.md"
    assert iam_matrix.main(["--check", str(readme)]) == 0
    assert "| analysts | `var.analysts_group` | `roles/bigquery.dataViewer` | `dataset:marts` |" in readme.read_text()


def test_a_malformed_matrix_is_refused_with_its_file_and_principal(tmp_path):
    bad = tmp_path / "iam_matrix.yml"
    bad.write_text(
        "principals:\n  dbt:\n    member: service_account.dbt\n"
        "    grants:\n      - {role: roles/x, scope: bucket, why: w}\n"
    )
    with pytest.raises(iam_matrix.MatrixError, match=r"iam_matrix\.yml: principal 'dbt': unknown scope 'bucket'"):
        iam_matrix.load_matrix(bad)


# ------------------------------------------------------------------ PII: the contract decides, not Terraform


def test_terraform_names_no_pii_column_of_the_contract():
    pii_columns = {c.name for t in load_contract().tables for c in t.columns if c.pii}
    assert pii_columns, "the contract flags PII columns; this test would be vacuous without them"
    for path in terraform_sources():
        # Identifiers, but not attributes of other resources (google_service_account.x.email).
        words = set(re.findall(r"(?<![.\w])[A-Za-z_]\w*", path.read_text()))
        assert not words & pii_columns, f"{path} names PII columns {sorted(words & pii_columns)}"


# ------------------------------------------------------------------ Pub/Sub, Composer, state


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_clickstream_subscription_writes_the_raw_stream_table_and_dead_letters(env):
    config = parsed(env)
    subscription = one(config, "google_pubsub_subscription", "clickstream_to_bigquery")
    assert referenced(subscription, "google_pubsub_topic") == ["clickstream"]
    bq = subscription["bigquery_config"]
    assert referenced(bq, "google_bigquery_table") == ["clickstream_stream"]
    assert (bq["write_metadata"], bq["use_table_schema"], bq["use_topic_schema"]) == (True, False, False)
    dead_letter_topic = one(config, "google_pubsub_topic", "clickstream_dead_letter")
    assert subscription["dead_letter_policy"]["dead_letter_topic"] == dead_letter_topic["id"]
    assert subscription["dead_letter_policy"]["max_delivery_attempts"] == 5
    assert subscription["expiration_policy"]["ttl"] == ""
    # Dead letters are kept (a topic without subscription would drop them).
    holder = one(config, "google_pubsub_subscription", "clickstream_dead_letter")
    assert referenced(holder, "google_pubsub_topic") == ["clickstream_dead_letter"]
    assert holder["message_retention_duration"] == "604800s"
    assert holder["retain_acked_messages"] is True
    assert holder["expiration_policy"]["ttl"] == ""
    # The stream table carries Pub/Sub's write-metadata columns, in the raw dataset.
    stream = one(config, "google_bigquery_table", "clickstream_stream")
    assert referenced(stream, "google_bigquery_dataset") == ['layer["raw"]']
    assert "subscription_name" in stream["schema"] and "publish_time" in stream["schema"]


def _pins(requirements: Path) -> dict[str, str]:
    pins = {}
    for line in requirements.read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*((?:==|~=|>=).+?)\s*$", line.split("#", 1)[0]):
            pins[m.group(1).lower()] = m.group(2)
    return pins


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_composer_3_runs_as_its_own_account_with_the_locally_tested_pins(env):
    config = parsed(env)
    composer = one(config, "google_composer_environment", "this")
    software = composer["config"]["software_config"]
    assert re.fullmatch(r"composer-3-airflow-\d+(\.\d+){0,2}(-build\.\d+)?", software["image_version"])
    assert (
        composer["config"]["node_config"]["service_account"]["__attribute__"] == "google_service_account.composer.email"
    )
    # Composer installs the same Cosmos and dbt pins the local Airflow env is tested with.
    local_pins = _pins(ROOT / "requirements" / "airflow.in")
    for package, spec in software["pypi_packages"].items():
        assert local_pins.get(package.lower()) == spec, f"{package}{spec} differs from requirements/airflow.in"
    assert {"astronomer-cosmos", "dbt-bigquery"} <= set(software["pypi_packages"])
    composer_env = next(loc for loc in config["locals"] if "composer_env_variables" in loc)["composer_env_variables"]
    assert composer_env["ECOM_DBT_TARGET"] == composer_env["DBT_TARGET"] == "bigquery"


def test_state_is_remote_in_gcs_with_a_backend_file_per_environment():
    config = parsed(ENVIRONMENTS[0])
    backends = [block["backend"] for block in config["terraform"] if "backend" in block]
    assert [b["__tfmeta"]["label"] for b in backends] == ["gcs"]
    # Partial configuration: no bucket in the code, it comes from environments/<env>.gcs.tfbackend.
    assert set(backends[0]) == {"__tfmeta", "id"}
    for env in ENVIRONMENTS:
        settings = dict(
            re.findall(r'^(\w+)\s*=\s*"([^"]*)"', (TF_DIR / "environments" / f"{env}.gcs.tfbackend").read_text(), re.M)
        )
        assert set(settings) == {"bucket", "prefix"} and settings["prefix"].endswith(f"/{env}"), env


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_variable_is_typed_described_and_valid_for_the_environment(env):
    variables = parsed(env)["variable"]
    assert len(variables) >= 15
    for variable in variables:
        name = variable["__tfmeta"]["label"]
        assert variable.get("type") and variable.get("description"), name
        # tfparse evaluates each validation condition with the environment's values.
        assert variable.get("validation", {}).get("condition", True) is True, f"{env}: {name} fails its validation"
    assert {v["__tfmeta"]["label"] for v in variables if "validation" not in v} == {"labels"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_pii_salt_reaches_dbt_from_secret_manager_and_is_masked(env):
    config = parsed(env)
    composer_env = next(loc for loc in config["locals"] if "composer_env_variables" in loc)["composer_env_variables"]
    overrides = one(config, "google_composer_environment", "this")["config"]["software_config"][
        "airflow_config_overrides"
    ]
    backend = json.loads(overrides["secrets-backend_kwargs"])
    assert overrides["secrets-backend"].endswith("secret_manager.CloudSecretManagerBackend")
    # The DAGs read the Airflow Variable named here and hand it to dbt as PII_SALT ...
    variable = composer_env["ECOM_PII_SALT_VARIABLE"]
    assert variable == "pii_salt"
    # ... which the Secret Manager backend resolves to <variables_prefix><sep><name>: the secret Terraform creates.
    secret = one(config, "google_secret_manager_secret", "pii_salt")
    assert secret["secret_id"] == f"{backend['variables_prefix']}{backend['sep']}{variable}"
    # Its value never appears in Terraform (no secret version) and is masked in logs and rendered templates.
    assert not config.get("google_secret_manager_secret_version")
    assert variable in overrides["core-sensitive_var_conn_names"].split(",")
    # Only the Composer account may read it.
    readers = [
        g
        for g in config["google_secret_manager_secret_iam_member"]
        if "pii_salt" in referenced(g, "google_secret_manager_secret")
    ]
    assert [(g["role"], referenced(g, "google_service_account")) for g in readers] == [
        ("roles/secretmanager.secretAccessor", ["composer"])
    ]
