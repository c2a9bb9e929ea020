"""DAG integrity: the DAGs import cleanly and fast, and the daily DAG's dbt tasks are the manifest's graph.

The expected graph is computed here straight from ``manifest.json`` (nodes and ``depends_on``),
independently of Cosmos, and compared with the tasks and edges Airflow ended up with.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import DAGS_FOLDER, FIGURES

from loaders.contract import load_contract

PROJECT = "ecommerce_warehouse"
DAG_FILES = ("ecommerce_elt.py", "clickstream_microbatch.py")
#: Generous bound on one DAG file's parse; the measured figure is printed (target: well under 1 s).
PARSE_BOUND_S = 5.0


def project_nodes(manifest: dict, resource_types: tuple[str, ...]) -> dict[str, dict]:
    return {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["package_name"] == PROJECT and n["resource_type"] in resource_types
    }


def node_tasks(dag, node: dict) -> tuple[str, str]:
    """(first, last) task id of a model/seed/snapshot in the Cosmos group ``dbt``."""
    verb = {"model": "run", "seed": "seed", "snapshot": "snapshot"}[node["resource_type"]]
    name = node["name"]
    grouped = f"dbt.{name}.{verb}"
    if grouped in dag.task_dict:
        test = f"dbt.{name}.test"
        return grouped, test if test in dag.task_dict else grouped
    flat = f"dbt.{name}_{verb}"
    assert flat in dag.task_dict, f"no task for {node['unique_id']} (looked for {grouped} and {flat})"
    return flat, flat


def test_dags_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"ecommerce_elt", "clickstream_microbatch"}
    for dag_id in dagbag.dags:
        assert dagbag.dags[dag_id].tasks, f"{dag_id} has no tasks"


def test_dag_files_parse_fast(dagbag) -> None:
    stats = {Path(s.file).name: s.duration.total_seconds() for s in dagbag.dagbag_stats}
    assert set(stats) == set(DAG_FILES)
    # The first file imported also pays Cosmos' and dbt's one-off imports: re-parse both now that
    # they are warm, as a long-running DAG processor does.
    from airflow.dag_processing.dagbag import BundleDagBag

    warm = {}
    for name in DAG_FILES:
        started = time.perf_counter()
        bag = BundleDagBag(DAGS_FOLDER / name, bundle_path=DAGS_FOLDER)
        warm[name] = time.perf_counter() - started
        assert bag.import_errors == {}
    FIGURES["DAG parse, first import in the process (s)"] = {k: round(v, 3) for k, v in stats.items()}
    FIGURES["DAG parse, warm (s)"] = {k: round(v, 3) for k, v in warm.items()}
    for name, seconds in warm.items():
        assert seconds < PARSE_BOUND_S, f"{name} took {seconds:.2f} s to parse"


def test_daily_dag_lands_every_contract_table_before_dbt(dagbag) -> None:
    dag = dagbag.dags["ecommerce_elt"]
    land = {t.task_id for t in dag.tasks if t.task_id.startswith("land.")}
    assert land == {f"land.{t.name}" for t in load_contract().tables}
    dbt_roots = [t for t in dag.tasks if t.task_id.startswith("dbt.") and not t.upstream_task_ids - land]
    assert dbt_roots, "no dbt task directly after the land group"
    for task in dbt_roots:
        assert task.upstream_task_ids == land, f"{task.task_id} does not wait for every land task"


def test_daily_dag_has_a_task_for_every_node_and_an_edge_for_every_dependency(dagbag, manifest) -> None:
    dag = dagbag.dags["ecommerce_elt"]
    nodes = project_nodes(manifest, ("model", "seed", "snapshot"))
    assert nodes, "the manifest has no models"
    tasks = {uid: node_tasks(dag, n) for uid, n in nodes.items()}

    # every dependency between two dbt nodes is an edge: parent's last task -> child's first task
    for uid, node in nodes.items():
        first, _ = tasks[uid]
        upstream = dag.get_task(first).upstream_task_ids
        for parent in node["depends_on"].get("nodes", []):
            if parent in tasks:
                assert tasks[parent][1] in upstream, f"missing edge {parent} -> {uid}"

    # every test has a task: the model's test task, or its own task when it reads several nodes
    tests = project_nodes(manifest, ("test",))
    for uid, test in tests.items():
        parents = [p for p in test["depends_on"].get("nodes", []) if p in nodes]
        if len(parents) == 1:
            owner = nodes[parents[0]]
            assert f"dbt.{owner['name']}.test" in dag.task_dict, f"{uid} has no test task"
        elif len(parents) > 1:
            detached = f"dbt.{test['name'].split('.')[0]}_test"
            assert detached in dag.task_dict, f"multi-parent {uid} has no task of its own"
            upstream = dag.get_task(detached).upstream_task_ids
            for p in parents:
                assert tasks[p][0] in upstream or tasks[p][1] in upstream, f"{detached} does not wait for {p}"

    # unit tests run in their model's test task (``dbt test --select <model>`` selects them)
    for uid, unit in manifest.get("unit_tests", {}).items():
        model = next(p for p in unit["depends_on"]["nodes"] if p in nodes)
        assert f"dbt.{nodes[model]['name']}.test" in dag.task_dict, f"unit test {uid} has no task"

    # no dbt task that the manifest does not explain
    expected = {t for pair in tasks.values() for t in pair}
    dbt_tasks = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")}
    unexplained = {t for t in dbt_tasks - expected if not t.endswith("_test")}
    assert unexplained == set()


def test_alerts_run_after_everything_and_whatever_happened(dagbag) -> None:
    for dag_id in ("ecommerce_elt", "clickstream_microbatch"):
        dag = dagbag.dags[dag_id]
        alerts = dag.get_task("alerts")
        assert alerts.trigger_rule == "all_done"
        assert dag.leaves and {t.task_id for t in dag.leaves} <= {"alerts", "marts_ready", "clickstream_ready"}
        dbt_leaves = [t for t in dag.tasks if t.task_id.startswith("dbt.") and not t.downstream_task_ids - {"alerts"}]
        for t in dbt_leaves:
            assert "alerts" in t.downstream_task_ids


def test_production_defaults(dagbag) -> None:
    for dag_id in ("ecommerce_elt", "clickstream_microbatch"):
        dag = dagbag.dags[dag_id]
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert dag.dagrun_timeout is not None
        assert dag.doc_md and dag.tags
        # DuckDB target (default): one writer at a time
        assert dag.max_active_tasks == 1
        for task in dag.tasks:
            assert task.owner == "data-platform"
            if task.task_id.startswith(("dbt.", "land")):
                assert task.pool == "duckdb_writer", task.task_id
                assert task.execution_timeout is not None, task.task_id


@pytest.mark.parametrize("dag_id", ["ecommerce_elt", "clickstream_microbatch"])
def test_dbt_tasks_run_dbt_in_process_against_the_configured_target(dagbag, dag_id) -> None:
    from cosmos.constants import InvocationMode

    dag = dagbag.dags[dag_id]
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt.")]
    for task in dbt_tasks:
        assert task.invocation_mode == InvocationMode.DBT_RUNNER
        assert task.profile_config.target_name == "duckdb"


def test_microbatch_runs_exactly_the_models_tagged_clickstream(dagbag, manifest) -> None:
    expected = {
        node["name"]
        for uid, node in manifest["nodes"].items()
        if uid.startswith("model.") and "clickstream" in node["tags"]
    }
    # every tagged model is event-driven: it descends from the clickstream source
    descendants, stack = set(), [f"source.{PROJECT}.web.events"]
    while stack:
        for child in manifest["child_map"][stack.pop()]:
            if child not in descendants:
                descendants.add(child)
                stack.append(child)
    assert expected <= {manifest["nodes"][u]["name"] for u in descendants if u.startswith("model.")}
    dag = dagbag.dags["clickstream_microbatch"]
    rendered = set()
    for task_id in dag.task_dict:
        name = task_id.removeprefix("dbt.")
        if task_id.startswith("dbt.") and name.endswith((".run", "_run")):
            rendered.add(name[: -len(".run")])
    assert rendered == expected
    assert "fct_product_alerts" in rendered  # the spike alerts are refreshed every 15 minutes
    assert "stg_shop__orders" not in rendered


def test_full_refresh_param_reaches_the_dbt_run_and_seed_commands(dagbag) -> None:
    import copy

    dag = dagbag.dags["ecommerce_elt"]
    assert dag.params["full_refresh"] is False
    builders = [t for t in dag.tasks if t.task_id.startswith("dbt.") and t.task_id.endswith(("run", "seed"))]
    assert builders
    for task in builders:
        assert task.full_refresh == "{{ params.full_refresh }}", task.task_id
    rendered = copy.copy(builders[0])
    rendered.full_refresh = "True"  # what the template renders for a run triggered with {"full_refresh": true}
    assert "--full-refresh" in rendered.add_cmd_flags()
    rendered.full_refresh = "False"
    assert "--full-refresh" not in rendered.add_cmd_flags()
