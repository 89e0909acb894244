# The values overlay for `tops install -f` / `tops upgrade -f` (and `tops render -f`): the
# storage class, the registry mirror and the object storage, on top of
# deploy/offline-values.yaml.
locals {
  overlay = {
    global = {
      imageRegistry = terraform_data.registry_mirror.output.host
    }
    persistence = {
      storageClass = terraform_data.storage_class[local.default_class].output.name
    }
    objectStorage = {
      endpoint = terraform_data.bucket.output.endpoint
      bucket   = terraform_data.bucket.output.bucket
    }
  }
}

output "values_overlay" {
  description = "YAML values overlay for tops install -f (storage class, registry mirror, object storage)."
  value       = yamlencode(local.overlay)
}

output "values_overlay_json" {
  description = "The same overlay as JSON (for the API's values field)."
  value       = jsonencode(local.overlay)
}

output "kube_context" {
  description = "The kube context name of the site."
  value       = local.kube_context
}

output "node_pools" {
  description = "Node pool placeholders: name to node count."
  value       = { for k, p in terraform_data.node_pool : k => p.output.nodes }
}
