# Remote state in Google Cloud Storage, partial configuration.
#
# The bucket and prefix are not written here (they differ per environment and a backend
# block cannot read variables): `terraform init -backend-config=environments/<env>.gcs.tfbackend`.
# The state bucket is created once by hand before the first `init` (see terraform/README.md,
# "Bootstrap the state bucket"): it cannot be managed by the state it stores.
terraform {
  backend "gcs" {}
}
