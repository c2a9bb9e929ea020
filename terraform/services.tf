# Google Cloud APIs the deployment uses. Left enabled on destroy: other workloads in the
# project may use them too.

resource "google_project_service" "required" {
  for_each = toset([
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "composer.googleapis.com",
    "datacatalog.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])

  service            = each.value
  disable_on_destroy = false
}
