# Placeholders for the TestOps site's compute and storage: terraform_data resources that record
# what the site needs, with no provider and no API call. A real module for a cloud replaces
# these resources and keeps the outputs, which feed tops.
locals {
  kube_context  = var.kube_context != "" ? var.kube_context : "testops-${var.site}"
  default_class = one([for s in var.storage_classes : s.name if s.default])
}

resource "terraform_data" "node_pool" {
  for_each = { for p in var.node_pools : p.name => p }
  input = {
    site         = var.site
    name         = each.value.name
    nodes        = each.value.nodes
    machine_type = each.value.machine_type
  }
}

resource "terraform_data" "storage_class" {
  for_each = { for s in var.storage_classes : s.name => s }
  input = {
    name        = each.value.name
    provisioner = each.value.provisioner
    default     = each.value.default
  }
}

resource "terraform_data" "bucket" {
  input = {
    endpoint = var.object_storage.endpoint
    bucket   = var.object_storage.bucket
  }
}

resource "terraform_data" "registry_mirror" {
  input = {
    host = var.registry_mirror
  }
}
