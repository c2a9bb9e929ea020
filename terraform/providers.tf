# Provider configuration and the values every other file shares.

provider "google" {
  project = var.project_id
  region  = var.region

  # Labels on every resource that supports them (buckets, datasets, topics, Composer...).
  default_labels = local.labels
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Short name of this deployment, e.g. "ecom-prod"; prefixes buckets, accounts, topics.
  name = "${var.name_prefix}-${var.environment}"

  labels = merge(var.labels, {
    app         = "ecommerce-warehouse"
    environment = var.environment
    managed-by  = "terraform"
  })

  # Milliseconds per day: BigQuery expresses expirations in milliseconds.
  ms_per_day = 24 * 60 * 60 * 1000

  # Warehouse layers, one BigQuery dataset each. Names follow dbt's generate_schema_name
  # macro (dbt/macros/generate_schema_name.sql): an optional per-environment prefix + the
  # layer. "reference" holds dbt seeds (small lookup tables).
  layers = {
    raw          = "${var.dataset_prefix}raw"
    staging      = "${var.dataset_prefix}staging"
    intermediate = "${var.dataset_prefix}intermediate"
    marts        = "${var.dataset_prefix}marts"
    reference    = "${var.dataset_prefix}reference"
  }

  # Layers dbt writes ("processed" data): their partitions stay hot for
  # var.processed_retention_days (6 months), then expire.
  processed_layers = ["staging", "intermediate", "marts", "reference"]

  # Google-managed service agents of this project (created by Google when the API is enabled).
  pubsub_service_agent = "service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
