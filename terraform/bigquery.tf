# BigQuery: one dataset per warehouse layer, and the table the clickstream subscription writes.
#
# Governance: processed layers (what dbt writes) keep partitions 180 days (6 months hot);
# raw partitions expire with the raw retention (1 year), like the landing files.
# Access is granted per dataset in iam.tf, never project-wide data roles.

resource "google_bigquery_dataset" "layer" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption keys by decision (README "Encryption"); CMEK needs a key ring and service-agent grants this project does not run.
  for_each = local.layers

  dataset_id    = each.value
  friendly_name = "${each.key} layer (${var.environment})"
  description   = "Warehouse ${each.key} layer of the e-commerce analytics warehouse (${var.environment}). Managed by Terraform; written by ${each.key == "raw" ? "the loaders and the clickstream subscription" : "dbt"}."
  location      = var.region

  default_partition_expiration_ms = (
    contains(local.processed_layers, each.key)
    ? var.processed_retention_days * local.ms_per_day
    : var.raw_retention_days * local.ms_per_day
  )

  delete_contents_on_destroy = false

  labels = {
    layer = each.key
  }

  depends_on = [google_project_service.required]
}

# The clickstream as Pub/Sub delivered it: one row per message, payload kept verbatim as
# text so that nothing is lost to a schema mismatch; staging parses and validates it
# (and de-duplicates on message_id: BigQuery subscriptions deliver at least once).
# Column names are Pub/Sub's own write-metadata columns, not the data contract's.
resource "google_bigquery_table" "clickstream_stream" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption keys by decision (README "Encryption").
  dataset_id          = google_bigquery_dataset.layer["raw"].dataset_id
  table_id            = "events_stream"
  description         = "Clickstream events as received from Pub/Sub topic ${local.name}-clickstream (BigQuery subscription, write_metadata). data holds the JSON event as sent."
  deletion_protection = true

  time_partitioning {
    type          = "DAY"
    field         = "publish_time"
    expiration_ms = var.raw_retention_days * local.ms_per_day
  }

  schema = jsonencode([
    { name = "subscription_name", type = "STRING", mode = "NULLABLE", description = "Pub/Sub subscription that wrote the row." },
    { name = "message_id", type = "STRING", mode = "NULLABLE", description = "Pub/Sub message id; unique per published message (de-duplication key)." },
    { name = "publish_time", type = "TIMESTAMP", mode = "NULLABLE", description = "When Pub/Sub received the message (UTC); partitioning column." },
    { name = "data", type = "STRING", mode = "NULLABLE", description = "Message payload: one clickstream event as JSON text." },
    { name = "attributes", type = "STRING", mode = "NULLABLE", description = "Message attributes and ordering key as JSON text." },
  ])

  labels = {
    layer  = "raw"
    domain = "clickstream"
  }
}
