# Only Terraform's built-in provider (terraform_data): `terraform init -backend=false` needs no
# download and works offline.
terraform {
  required_version = ">= 1.4.0"
}
