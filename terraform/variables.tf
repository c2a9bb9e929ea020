# Input variables. Per-environment values live in environments/<env>.tfvars.
# Retention defaults are the business's governance policy (README: "Governance"); the
# tests in tests/unit/test_terraform_governance.py assert them for every environment.

# ------------------------------------------------------------------ where
variable "project_id" {
  description = "Google Cloud project that hosts the warehouse (must exist, with billing)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of every regional resource (buckets, BigQuery datasets, policy tags, Composer). Keep data and compute in one region so load jobs and queries never cross regions."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a single Google Cloud region such as europe-west1 (not a multi-region like EU)."
  }
}

variable "environment" {
  description = "Deployment environment; part of every resource name and label."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "name_prefix" {
  description = "Short prefix of resource names (buckets, service accounts, topics, Composer)."
  type        = string
  default     = "ecom"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "name_prefix must be 2-10 lowercase letters or digits, starting with a letter (it ends up in 30-character service account ids)."
  }
}

variable "dataset_prefix" {
  description = "Prefix of every BigQuery dataset name, e.g. \"dev_\" when several environments share a project. Must equal dbt's DBT_SCHEMA_PREFIX (dbt/macros/generate_schema_name.sql)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z][a-z0-9_]{0,28}_)?$", var.dataset_prefix))
    error_message = "dataset_prefix must be empty or lowercase letters, digits and underscores ending with \"_\" (e.g. \"dev_\")."
  }
}

variable "labels" {
  description = "Extra labels on every resource (cost centre, owner...). app, environment and managed-by are always set."
  type        = map(string)
  default     = {}
}

# ------------------------------------------------------------------ retention (governance)
variable "raw_cold_after_days" {
  description = "Age in days after which landed raw files move to COLDLINE storage."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_cold_after_days >= 1 && var.raw_cold_after_days < var.raw_retention_days
    error_message = "raw_cold_after_days must be at least 1 and less than raw_retention_days."
  }
}

variable "raw_retention_days" {
  description = "Age in days after which landed raw files are deleted, and after which raw BigQuery partitions expire (raw is kept 1 year)."
  type        = number
  default     = 365

  validation {
    condition     = var.raw_retention_days >= 30 && var.raw_retention_days <= 3650
    error_message = "raw_retention_days must be between 30 and 3650."
  }
}

variable "processed_retention_days" {
  description = "Default partition expiration, in days, of the datasets dbt writes (staging, intermediate, marts, reference): processed data stays 6 months hot."
  type        = number
  default     = 180

  validation {
    condition     = var.processed_retention_days >= 1 && var.processed_retention_days <= var.raw_retention_days
    error_message = "processed_retention_days must be at least 1 and not exceed raw_retention_days (processed data cannot outlive the raw data it is rebuilt from)."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten or deleted landing object stays recoverable as a noncurrent version (bucket versioning) before it is deleted for good."
  type        = number
  default     = 7

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 30
    error_message = "noncurrent_version_retention_days must be between 1 and 30."
  }
}

variable "access_log_retention_days" {
  description = "Days the landing bucket's access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 30
    error_message = "access_log_retention_days must be at least 30."
  }
}

# ------------------------------------------------------------------ people
variable "analysts_group" {
  description = "Google group of analysts: reads the marts dataset only (and may run query jobs)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-z]{2,}$", var.analysts_group))
    error_message = "analysts_group must be a group e-mail address (no \"group:\" prefix)."
  }
}

variable "pii_readers_group" {
  description = "Google group of privileged users allowed to read columns tagged PII (fine-grained reader on the PII policy tag). Keep it small."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-z]{2,}$", var.pii_readers_group))
    error_message = "pii_readers_group must be a group e-mail address (no \"group:\" prefix)."
  }
}

variable "clickstream_publishers" {
  description = "IAM members allowed to publish clickstream events (e.g. \"serviceAccount:tracker@other-project.iam.gserviceaccount.com\")."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for member in var.clickstream_publishers : can(regex("^(serviceAccount|group|user):[^@]+@[^@]+$", member))
    ])
    error_message = "clickstream_publishers entries must be serviceAccount:, group: or user: members; allUsers and allAuthenticatedUsers are refused."
  }
}

# ------------------------------------------------------------------ Pub/Sub
variable "dead_letter_max_delivery_attempts" {
  description = "Delivery attempts before a clickstream message that cannot be written to BigQuery goes to the dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.dead_letter_max_delivery_attempts >= 5 && var.dead_letter_max_delivery_attempts <= 100
    error_message = "dead_letter_max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

# ------------------------------------------------------------------ Composer
variable "composer_image_version" {
  description = "Cloud Composer 3 image, composer-3-airflow-X.Y.Z[-build.N]. Pin a build in prod; the google_composer_image_versions data source (or the Cloud Composer versions page) lists what a region offers."
  type        = string
  default     = "composer-3-airflow-3.1.8"

  validation {
    condition     = can(regex("^composer-3-airflow-[0-9]+(\\.[0-9]+){0,2}(-build\\.[0-9]+)?$", var.composer_image_version))
    error_message = "composer_image_version must be a Cloud Composer 3 image: composer-3-airflow-X[.Y[.Z]][-build.N]."
  }
}

variable "composer_environment_size" {
  description = "Composer environment size preset."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"

  validation {
    condition     = contains(["ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE"], var.composer_environment_size)
    error_message = "composer_environment_size must be ENVIRONMENT_SIZE_SMALL, _MEDIUM or _LARGE."
  }
}

variable "composer_pypi_packages" {
  description = "PyPI packages installed into the Composer environment (name => version specifier). Cosmos renders the dbt graph; dbt-bigquery runs it. Same pins as requirements/airflow.in."
  type        = map(string)
  default = {
    "astronomer-cosmos" = "==1.15.1"
    "dbt-core"          = "~=1.11.16"
    "dbt-bigquery"      = "~=1.11.3"
  }

  validation {
    condition     = alltrue([for name in keys(var.composer_pypi_packages) : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*(\\[[A-Za-z0-9,._-]+\\])?$", name))])
    error_message = "composer_pypi_packages keys must be PyPI package names (optionally with [extras])."
  }
}
