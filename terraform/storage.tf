# Cloud Storage: the landing zone of raw files and the bucket of its access logs.
#
# Object layout written by the loaders: <feed>/<table>/dt=YYYY-MM-DD/<file>, sha256 in metadata.
# Governance: raw files are kept 1 year, in cold storage after 30 days. No bucket for
# processed exports: nothing in the project exports files (consumers read BigQuery).
# Composer's DAG bucket is created and owned by Composer itself (composer.tf).

resource "google_storage_bucket" "landing" {
  name                        = "${var.project_id}-${local.name}-landing"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  logging {
    log_bucket        = google_storage_bucket.access_logs.name
    log_object_prefix = "landing/"
  }

  # Raw files go cold after 30 days...
  lifecycle_rule {
    condition {
      age                   = var.raw_cold_after_days
      matches_storage_class = ["STANDARD"]
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  # ...and are deleted after 365 days (raw kept 1 year).
  lifecycle_rule {
    condition {
      age = var.raw_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # A file overwritten by a re-load, or deleted, stays recoverable for a few days, then goes.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # Interrupted multipart uploads hold storage without being objects: abort them after a day.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket" "access_logs" {
  #checkov:skip=CKV_GCP_62:This is the access-log bucket itself; logging it into itself would log every log write.
  name                        = "${var.project_id}-${local.name}-access-logs"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = var.access_log_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}
