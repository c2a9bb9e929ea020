# Cloud Composer 3: runs the Airflow DAGs (airflow/dags) that land files and run dbt through
# Astronomer Cosmos. Composer creates and owns its bucket: upload the artifact built by
# `make airflow-artifact` under the output composer_dags_prefix.

locals {
  # Airflow Variables are looked up in Secret Manager as <prefix>-<name> (secrets.tf).
  airflow_variables_prefix   = "${local.name}-airflow-variables"
  airflow_connections_prefix = "${local.name}-airflow-connections"
  # Airflow Variable holding the PII hash salt (secret <variables prefix>-pii_salt, secrets.tf).
  # The DAGs pass it to dbt as PII_SALT when a task runs, never when a DAG file is parsed.
  pii_salt_variable = "pii_salt"

  # What the DAGs (airflow/dags/ecom_orchestration/config.py), the loaders and dbt's
  # bigquery target (dbt/profiles.yml) read from the environment.
  composer_env_variables = {
    ECOM_DBT_TARGET                    = "bigquery"
    DBT_TARGET                         = "bigquery"
    GCP_PROJECT_ID                     = var.project_id
    BIGQUERY_LOCATION                  = var.region
    BIGQUERY_AUTH_METHOD               = "oauth"
    DBT_SCHEMA_PREFIX                  = var.dataset_prefix
    BIGQUERY_DATASET                   = local.layers["intermediate"]
    RAW_DATASET                        = local.layers["raw"]
    LANDING_BUCKET                     = google_storage_bucket.landing.name
    DBT_IMPERSONATE_SERVICE_ACCOUNT    = google_service_account.dbt.email
    LOADER_IMPERSONATE_SERVICE_ACCOUNT = google_service_account.loader.email
    PII_POLICY_TAG                     = google_data_catalog_policy_tag.pii.name
    ECOM_PII_SALT_VARIABLE             = local.pii_salt_variable
  }
}

resource "google_composer_environment" "this" {
  name   = "${local.name}-composer"
  region = var.region

  config {
    environment_size = var.composer_environment_size

    software_config {
      image_version = var.composer_image_version
      pypi_packages = var.composer_pypi_packages
      env_variables = local.composer_env_variables

      airflow_config_overrides = {
        "secrets-backend" = "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend"
        "secrets-backend_kwargs" = jsonencode({
          project_id         = var.project_id
          variables_prefix   = local.airflow_variables_prefix
          connections_prefix = local.airflow_connections_prefix
          sep                = "-"
        })
        "core-dags_are_paused_at_creation" = "True"
        # Values of Variables whose name contains one of these are masked in task logs and in
        # the rendered templates Airflow stores (the salt is rendered into the dbt tasks' env).
        "core-sensitive_var_conn_names" = local.pii_salt_variable
      }
    }

    node_config {
      service_account = google_service_account.composer.email
    }
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.composer_worker,
  ]
}
