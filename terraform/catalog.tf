# Column-level security: a policy-tag taxonomy with one PII tag.
#
# Which columns are PII is decided by the data contract (loaders/contract.yml, `pii: true`),
# never here: dbt attaches this tag to those columns (policy_tags on BigQuery models) and
# only members of var.pii_readers_group may read tagged columns (iam.tf).

resource "google_data_catalog_taxonomy" "governance" {
  region                 = var.region
  display_name           = "${local.name} data governance"
  description            = "Policy tags of the e-commerce analytics warehouse (${var.environment})."
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]

  depends_on = [google_project_service.required]
}

resource "google_data_catalog_policy_tag" "pii" {
  taxonomy     = google_data_catalog_taxonomy.governance.id
  display_name = "PII"
  description  = "Personally identifiable information: every column flagged pii: true in loaders/contract.yml. Readable only by the PII readers group."
}
