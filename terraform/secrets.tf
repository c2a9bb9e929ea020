# Secret Manager: the salt mixed into every PII hash in staging (dbt var pii_salt, read from
# the PII_SALT environment variable). Terraform creates the secret, never its value: the
# value is added once out of band (README "Set the PII salt"), so it is not in the state.
#
# The secret id follows Airflow's Secret Manager backend convention
# (<variables_prefix>-<variable name>, composer.tf), so the DAGs read it as the Airflow
# Variable named by ECOM_PII_SALT_VARIABLE ("pii_salt") and pass it to dbt as PII_SALT; dbt
# refuses to build on BigQuery without it.

resource "google_secret_manager_secret" "pii_salt" {
  secret_id = "${local.airflow_variables_prefix}-${local.pii_salt_variable}"

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.required]
}
