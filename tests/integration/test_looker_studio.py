"""Looker Studio recipes of the exposures, from the manifest parsed for BigQuery (offline).

Every exposure's Linking API URL names exactly its models' BigQuery tables, and no exposure reads a table
whose ``require_partition_filter`` a report's date range cannot supply.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from serving import looker_studio
from tests.integration.analytics_warehouse import ROOT, dbt_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("looker_bigquery")
    env = dbt_env(workdir)
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "parse", "--quiet", "--target", "bigquery"],
        cwd=ROOT / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return looker_studio.load_manifest(workdir / "target" / "manifest.json")


def test_no_exposure_reads_a_partition_filter_a_report_cannot_supply(manifest):
    assert looker_studio.unsupplied_partition_filters(manifest) == []
    sources = looker_studio.exposure_sources(manifest)
    exposures = {e["name"] for e in manifest["exposures"].values()}
    assert set(sources) == exposures and all(sources.values())
    for exposure_sources in sources.values():
        for source in exposure_sources:
            if source.require_partition_filter:
                assert source.parameters()[f"ds.{source.alias}.isPartitioned"] == "true"


def test_a_table_requiring_a_filter_on_an_integer_partition_is_reported(manifest):
    broken = copy.deepcopy(manifest)
    exposure = next(iter(broken["exposures"].values()))
    uid = next(u for u in exposure["depends_on"]["nodes"] if u.startswith("model."))
    config = broken["nodes"][uid]["config"]
    config["require_partition_filter"] = True
    config["partition_by"] = {
        "field": "customer_id",
        "data_type": "int64",
        "range": {"start": 0, "end": 10, "interval": 1},
    }
    problems = looker_studio.unsupplied_partition_filters(broken)
    assert len(problems) == 1 and broken["nodes"][uid]["name"] in problems[0] and exposure["name"] in problems[0]
    config["partition_by"] = None
    assert len(looker_studio.unsupplied_partition_filters(broken)) == 1


def test_linking_urls_name_each_exposure_table(manifest):
    for exposure in manifest["exposures"].values():
        sources = looker_studio.exposure_sources(manifest)[exposure["name"]]
        url = looker_studio.linking_url(exposure["label"], sources, "template-123")
        parsed = urllib.parse.urlparse(url)
        assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == looker_studio.CREATE_URL
        query = dict(urllib.parse.parse_qsl(parsed.query))
        assert query["c.reportId"] == "template-123" and query["r.reportName"] == exposure["label"]
        tables = {
            (query[f"ds.ds{i}.projectId"], query[f"ds.ds{i}.datasetId"], query[f"ds.ds{i}.tableId"])
            for i in range(len(sources))
        }
        expected = {
            (n["database"], n["schema"], n["alias"])
            for n in (manifest["nodes"][uid] for uid in exposure["depends_on"]["nodes"] if uid.startswith("model."))
        }
        assert tables == expected
        assert all(query[f"ds.ds{i}.connector"] == "bigQuery" for i in range(len(sources)))
