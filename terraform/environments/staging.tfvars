# staging: `terraform plan -var-file=environments/staging.tfvars`.
# Example values: replace project and groups with yours. Retention is NOT set here on
# purpose: every environment runs the governance defaults of variables.tf.
project_id     = "acme-ecom-staging"
environment    = "staging"
region         = "europe-west1"
dataset_prefix = ""

analysts_group    = "analysts-staging@example.com"
pii_readers_group = "pii-readers-staging@example.com"

clickstream_publishers = [
  "serviceAccount:storefront-tracker@acme-ecom-staging.iam.gserviceaccount.com",
]

composer_image_version    = "composer-3-airflow-3.1.8"
composer_environment_size = "ENVIRONMENT_SIZE_SMALL"
