"""The dbt sources YAML and README table are generated from loaders/contract.yml and agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from loaders.contract import CONTRACT_PATH, load_contract
from tools import contract_docs

ROOT = Path(__file__).resolve().parents[2]
RAW_CONTRACT = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def test_committed_sources_yaml_equal_generated_text():
    contract = load_contract()
    for path, text in contract_docs.render_all_dbt_sources(contract).items():
        assert path.is_file(), f"{path} is missing: run `make readme`"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make readme`"


def test_check_cli_passes_on_committed_files():
    assert contract_docs.main(["dbt-sources", "--check"]) == 0


def test_check_cli_fails_on_stale_file_and_write_fixes_it(tmp_path, capsys):
    assert contract_docs.main(["dbt-sources", "--check", "--dbt-dir", str(tmp_path)]) == 1
    assert "stale:" in capsys.readouterr().out
    assert contract_docs.main(["dbt-sources", "--dbt-dir", str(tmp_path)]) == 0
    shop = tmp_path / "models" / "staging" / "shop" / "_shop__sources.yml"
    assert shop.is_file()
    shop.write_text(shop.read_text(encoding="utf-8").replace("not_null", "unique"), encoding="utf-8")
    assert contract_docs.main(["dbt-sources", "--check", "--dbt-dir", str(tmp_path)]) == 1


@pytest.mark.parametrize("source_name", list(RAW_CONTRACT["sources"]))
def test_sources_yaml_matches_the_raw_contract(source_name):
    """Read the committed YAML and the contract's raw YAML independently and compare field by field."""
    raw_source = RAW_CONTRACT["sources"][source_name]
    path = ROOT / "dbt" / "models" / "staging" / source_name / f"_{source_name}__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (source,) = doc["sources"]
    assert source["name"] == source_name
    assert source["schema"] == "{{ var('raw_schema', 'raw') }}"
    assert source["description"] == raw_source["description"]
    freshness = source["config"]["freshness"]
    assert freshness["warn_after"] == {"count": raw_source["freshness_warn_after_hours"], "period": "hour"}
    assert freshness["error_after"] == {"count": raw_source["freshness_error_after_hours"], "period": "hour"}
    assert [t["name"] for t in source["tables"]] == list(raw_source["tables"])
    for table in source["tables"]:
        raw_table = raw_source["tables"][table["name"]]
        loaded_at = raw_table["loaded_at_field"]
        loaded_at_type = next(c["type"] for c in raw_table["columns"] if c["name"] == loaded_at)
        # date columns are cast for dbt's freshness query (ad_spend.spend_date)
        expected = f"cast({loaded_at} as timestamp)" if loaded_at_type == "date" else loaded_at
        assert table["config"]["loaded_at_field"] == expected
        assert table["description"].startswith(raw_table["description"])
        columns = {c["name"]: c for c in table["columns"]}
        contract_names = [c["name"] for c in raw_table["columns"]]
        assert list(columns) == [*contract_names, "_source_file", "_source_line", "_loaded_at", "_extra"]
        for raw_col in raw_table["columns"]:
            col = columns[raw_col["name"]]
            assert col["description"].startswith(raw_col["description"])
            tests = col.get("data_tests", [])
            # required -> not_null; nothing is unique-tested in raw (re-exports are deduplicated in staging)
            assert tests == (["not_null"] if raw_col.get("required") else [])
            assert col["config"]["meta"]["pii"] is bool(raw_col.get("pii", False))
            if raw_col.get("pii"):
                assert "hashed in staging" in col["description"]


def test_every_pii_column_is_flagged_in_the_expected_tables():
    # By hand from contract.yml: only shop.customers carries PII columns.
    pii = {(t.fqn, c.name) for t in load_contract().tables for c in t.columns if c.pii}
    assert pii == {
        ("shop.customers", "email"),
        ("shop.customers", "first_name"),
        ("shop.customers", "last_name"),
        ("shop.customers", "phone"),
    }


def test_markdown_lists_every_table_and_column():
    text = contract_docs.render_markdown(load_contract())
    for source_name, raw_source in RAW_CONTRACT["sources"].items():
        for table_name, raw_table in raw_source["tables"].items():
            assert f"#### `{source_name}.{table_name}`" in text
            for raw_col in raw_table["columns"]:
                assert f"| `{raw_col['name']}` | {raw_col['type']} |" in text
    # every feed in the summary table, one line each (2 header lines)
    feeds = sum(len(raw_source["tables"]) for raw_source in RAW_CONTRACT["sources"].values())
    summary = text.split("\n\n")[0].splitlines()
    assert feeds >= 8 and len(summary) == 2 + feeds
    assert "| `shop.orders` | `shop/orders/*.csv*` | csv | yes | order_id |" in text


def test_markdown_cli_prints_the_table(capsys):
    assert contract_docs.main(["markdown"]) == 0
    assert capsys.readouterr().out == contract_docs.render_markdown(load_contract())
