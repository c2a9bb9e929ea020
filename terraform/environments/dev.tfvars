# dev: `terraform plan -var-file=environments/dev.tfvars`.
# Example values: replace project and groups with yours. Retention is NOT set here on
# purpose: every environment runs the governance defaults of variables.tf.
project_id     = "acme-ecom-dev"
environment    = "dev"
region         = "europe-west1"
dataset_prefix = "dev_"

analysts_group    = "analysts-dev@example.com"
pii_readers_group = "pii-readers-dev@example.com"

clickstream_publishers = [
  "serviceAccount:storefront-tracker@acme-ecom-dev.iam.gserviceaccount.com",
]

composer_image_version    = "composer-3-airflow-3.1.8"
composer_environment_size = "ENVIRONMENT_SIZE_SMALL"
