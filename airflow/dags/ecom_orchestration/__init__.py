"""Helpers shared by the project's Airflow DAGs (configuration, dbt/Cosmos wiring, tasks, notifiers).

The package lives inside the DAGs folder because that folder is on ``sys.path`` both in a
local Airflow and on Cloud Composer (``gs://<bucket>/dags``); ``.airflowignore`` keeps the
DAG processor from scanning it for DAGs. It holds orchestration only: business logic stays in
``loaders`` (landing) and the dbt project (transformation).
"""
