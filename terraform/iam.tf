# Identity and access: three service accounts and every grant of the deployment.
#
# Least privilege: grants are made on the one bucket, dataset, table, topic, secret or
# policy tag they concern; the only project-level roles are those IAM cannot grant lower
# (BigQuery job creation, Composer worker). No basic roles (owner/editor/viewer), no
# public members, only additive *_iam_member resources (never authoritative *_iam_binding
# or *_iam_policy, which would silently remove grants made outside this configuration).
#
# The same matrix is documented in iam_matrix.yml (rendered into README.md) and
# tests/unit/test_terraform_governance.py asserts that this file grants exactly it.

# ------------------------------------------------------------------ service accounts
resource "google_service_account" "loader" {
  account_id   = "${local.name}-loader"
  display_name = "Loaders (${var.environment})"
  description  = "Lands source files in the landing bucket and loads them into the raw dataset (python -m loaders load --target bigquery)."

  depends_on = [google_project_service.required]
}

resource "google_service_account" "dbt" {
  account_id   = "${local.name}-dbt"
  display_name = "dbt (${var.environment})"
  description  = "Runs dbt: reads raw, writes staging, intermediate, marts and reference."

  depends_on = [google_project_service.required]
}

resource "google_service_account" "composer" {
  account_id   = "${local.name}-composer"
  display_name = "Cloud Composer (${var.environment})"
  description  = "Runs the Composer environment; impersonates the loader and dbt accounts for their tasks and holds no data access of its own."

  depends_on = [google_project_service.required]
}

# ------------------------------------------------------------------ loader
resource "google_storage_bucket_iam_member" "loader_writes_landing" {
  bucket = google_storage_bucket.landing.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.loader.email}"
}

resource "google_bigquery_dataset_iam_member" "loader_writes_raw" {
  dataset_id = google_bigquery_dataset.layer["raw"].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.loader.email}"
}

resource "google_project_iam_member" "loader_runs_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.loader.email}"
}

# ------------------------------------------------------------------ dbt
resource "google_bigquery_dataset_iam_member" "dbt_reads_raw" {
  dataset_id = google_bigquery_dataset.layer["raw"].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_bigquery_dataset_iam_member" "dbt_writes_processed" {
  for_each = toset(local.processed_layers)

  dataset_id = google_bigquery_dataset.layer[each.key].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_project_iam_member" "dbt_runs_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.dbt.email}"
}

# dbt attaches the PII policy tag to contract PII columns (persist_docs + policy_tags):
# that takes bigquery.tables.setCategory on the tables (not in dataEditor; dataOwner has it
# along with IAM administration, hence this one-permission role) and reading the taxonomy.
resource "google_project_iam_custom_role" "policy_tag_applier" {
  role_id     = "${replace(local.name, "-", "_")}_policy_tag_applier"
  title       = "Policy tag applier (${var.environment})"
  description = "Attach policy tags to BigQuery columns; nothing else."
  permissions = ["bigquery.tables.setCategory"]
}

resource "google_bigquery_dataset_iam_member" "dbt_tags_processed" {
  for_each = toset(local.processed_layers)

  dataset_id = google_bigquery_dataset.layer[each.key].dataset_id
  role       = google_project_iam_custom_role.policy_tag_applier.name
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

# The loaders create the raw tables and tag the contract's PII columns there (PII_POLICY_TAG),
# so clear PII is column-protected from the moment it lands.
resource "google_bigquery_dataset_iam_member" "loader_tags_raw" {
  dataset_id = google_bigquery_dataset.layer["raw"].dataset_id
  role       = google_project_iam_custom_role.policy_tag_applier.name
  member     = "serviceAccount:${google_service_account.loader.email}"
}

resource "google_data_catalog_taxonomy_iam_member" "loader_reads_taxonomy" {
  taxonomy = google_data_catalog_taxonomy.governance.name
  role     = "roles/datacatalog.viewer"
  member   = "serviceAccount:${google_service_account.loader.email}"
}

# The one machine identity that reads clear PII: staging hashes the tagged raw columns with
# the salt, and nothing downstream of staging carries them in clear.
resource "google_data_catalog_policy_tag_iam_member" "dbt_reads_pii_to_hash" {
  policy_tag = google_data_catalog_policy_tag.pii.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_data_catalog_taxonomy_iam_member" "dbt_reads_taxonomy" {
  taxonomy = google_data_catalog_taxonomy.governance.name
  role     = "roles/datacatalog.viewer"
  member   = "serviceAccount:${google_service_account.dbt.email}"
}

# ------------------------------------------------------------------ Composer
resource "google_project_iam_member" "composer_worker" {
  #checkov:skip=CKV_GCP_49:Cloud Composer requires roles/composer.worker on the project for the environment's own service account (no narrower resource accepts it); that account holds no data access and only the environment runs as it.
  project = var.project_id
  role    = "roles/composer.worker"
  member  = "serviceAccount:${google_service_account.composer.email}"
}

# The DAG's tasks run as the loader and dbt accounts by impersonation (short-lived tokens:
# dbt's `impersonate_service_account`, google-auth impersonated credentials for the loaders),
# so the Composer account itself never holds data access.
resource "google_service_account_iam_member" "composer_impersonates_loader" {
  service_account_id = google_service_account.loader.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.composer.email}"
}

resource "google_service_account_iam_member" "composer_impersonates_dbt" {
  service_account_id = google_service_account.dbt.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.composer.email}"
}

resource "google_secret_manager_secret_iam_member" "composer_reads_pii_salt" {
  secret_id = google_secret_manager_secret.pii_salt.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.composer.email}"
}

# ------------------------------------------------------------------ people
resource "google_bigquery_dataset_iam_member" "analysts_read_marts" {
  dataset_id = google_bigquery_dataset.layer["marts"].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "group:${var.analysts_group}"
}

# Querying needs a job in some project; jobUser grants no data access.
resource "google_project_iam_member" "analysts_run_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "group:${var.analysts_group}"
}

resource "google_data_catalog_policy_tag_iam_member" "pii_readers_read_pii" {
  policy_tag = google_data_catalog_policy_tag.pii.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = "group:${var.pii_readers_group}"
}

resource "google_pubsub_topic_iam_member" "clickstream_publishers" {
  for_each = toset(var.clickstream_publishers)

  topic  = google_pubsub_topic.clickstream.name
  role   = "roles/pubsub.publisher"
  member = each.value
}

# ------------------------------------------------------------------ Google service agents
# Pub/Sub's service agent writes the BigQuery subscription's table (that table only)...
resource "google_bigquery_table_iam_member" "pubsub_writes_clickstream" {
  dataset_id = google_bigquery_table.clickstream_stream.dataset_id
  table_id   = google_bigquery_table.clickstream_stream.table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${local.pubsub_service_agent}"
}

# ...and forwards undeliverable messages: publish to the dead-letter topic, acknowledge
# them on the source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_dead_letters" {
  topic  = google_pubsub_topic.clickstream_dead_letter.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription_iam_member" "pubsub_acks_dead_letters" {
  subscription = google_pubsub_subscription.clickstream_to_bigquery.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

# Cloud Storage writes the landing bucket's usage logs as this Google group (documented
# requirement of access logging), into the log bucket only.
resource "google_storage_bucket_iam_member" "storage_analytics_writes_logs" {
  bucket = google_storage_bucket.access_logs.name
  role   = "roles/storage.objectCreator"
  member = "group:cloud-storage-analytics@google.com"
}
