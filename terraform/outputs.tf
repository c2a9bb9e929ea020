# Outputs: what the loaders, dbt, the DAG and the README's deploy steps need.

output "project_id" {
  description = "Project of the deployment."
  value       = var.project_id
}

output "region" {
  description = "Region of buckets, datasets, policy tags and Composer (BIGQUERY_LOCATION)."
  value       = var.region
}

output "landing_bucket" {
  description = "Landing bucket of raw files (objects <feed>/<table>/dt=YYYY-MM-DD/<file>)."
  value       = google_storage_bucket.landing.name
}

output "access_log_bucket" {
  description = "Bucket receiving the landing bucket's access logs."
  value       = google_storage_bucket.access_logs.name
}

output "datasets" {
  description = "BigQuery dataset id per layer (raw, staging, intermediate, marts, reference)."
  value       = { for layer, dataset in google_bigquery_dataset.layer : layer => dataset.dataset_id }
}

output "clickstream_stream_table" {
  description = "Fully qualified table the clickstream BigQuery subscription writes (project.dataset.table)."
  value       = "${var.project_id}.${google_bigquery_table.clickstream_stream.dataset_id}.${google_bigquery_table.clickstream_stream.table_id}"
}

output "service_accounts" {
  description = "Service account e-mail per role: loader, dbt, composer."
  value = {
    loader   = google_service_account.loader.email
    dbt      = google_service_account.dbt.email
    composer = google_service_account.composer.email
  }
}

output "pii_policy_tag" {
  description = "Resource name of the PII policy tag (projects/<p>/locations/<r>/taxonomies/<t>/policyTags/<id>): dbt's policy_tags on contract PII columns."
  value       = google_data_catalog_policy_tag.pii.name
}

output "taxonomy" {
  description = "Resource name of the governance taxonomy."
  value       = google_data_catalog_taxonomy.governance.name
}

output "clickstream_topic" {
  description = "Topic the storefront publishes clickstream events to (one JSON event per message)."
  value       = google_pubsub_topic.clickstream.id
}

output "clickstream_dead_letter_subscription" {
  description = "Subscription holding clickstream messages that could not be written to BigQuery."
  value       = google_pubsub_subscription.clickstream_dead_letter.id
}

output "pii_salt_secret" {
  description = "Secret Manager secret holding the PII hash salt (value added out of band)."
  value       = google_secret_manager_secret.pii_salt.id
}

output "composer_environment" {
  description = "Name of the Cloud Composer environment."
  value       = google_composer_environment.this.name
}

output "composer_dags_prefix" {
  description = "gs:// prefix of the Composer DAG folder: upload the Airflow artifact here."
  value       = google_composer_environment.this.config[0].dag_gcs_prefix
}

output "composer_airflow_uri" {
  description = "URL of the Airflow UI."
  value       = google_composer_environment.this.config[0].airflow_uri
}

output "composer_env_variables" {
  description = "Environment variables set on the Composer environment (also what a local run against BigQuery needs)."
  value       = local.composer_env_variables
}
