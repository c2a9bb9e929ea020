# Pub/Sub: the clickstream topic, its BigQuery subscription into the raw layer, and a
# dead-letter topic (with a subscription that holds dead letters for inspection and replay).
#
# No topic schema: Pub/Sub schemas are Avro/Protocol Buffers only and would couple the
# topic to the contract's columns; the payload is validated downstream, like files are.

resource "google_pubsub_topic" "clickstream" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption keys by decision (README "Encryption").
  name = "${local.name}-clickstream"

  # Keep published messages a day so a subscription can be replayed (seek) after an incident.
  message_retention_duration = "86400s"

  depends_on = [google_project_service.required]
}

resource "google_pubsub_topic" "clickstream_dead_letter" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption keys by decision (README "Encryption").
  name = "${local.name}-clickstream-dead-letter"

  depends_on = [google_project_service.required]
}

resource "google_pubsub_subscription" "clickstream_to_bigquery" {
  name  = "${local.name}-clickstream-to-bigquery"
  topic = google_pubsub_topic.clickstream.id

  bigquery_config {
    table            = "${google_bigquery_table.clickstream_stream.project}.${google_bigquery_table.clickstream_stream.dataset_id}.${google_bigquery_table.clickstream_stream.table_id}"
    use_topic_schema = false
    use_table_schema = false
    write_metadata   = true
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.clickstream_dead_letter.id
    max_delivery_attempts = var.dead_letter_max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  # Never expire for inactivity (the default deletes a subscription idle for 31 days).
  expiration_policy {
    ttl = ""
  }

  # The service agent must be able to write the table and to dead-letter before the
  # subscription starts delivering.
  depends_on = [
    google_bigquery_table_iam_member.pubsub_writes_clickstream,
    google_pubsub_topic_iam_member.pubsub_dead_letters,
  ]
}

resource "google_pubsub_subscription" "clickstream_dead_letter" {
  name  = "${local.name}-clickstream-dead-letter"
  topic = google_pubsub_topic.clickstream_dead_letter.id

  # Dead letters are kept the maximum 7 days, acknowledged or not, for inspection and replay.
  message_retention_duration = "604800s"
  retain_acked_messages      = true
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}
