# Terraform and provider versions.
#
# Terraform >= 1.9 for cross-variable references inside `validation` blocks.
# hashicorp/google 7.x: every resource used here is GA (no google-beta).
terraform {
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
  }
}
