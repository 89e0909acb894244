variable "site" {
  description = "The TestOps site's name (a DNS label): names the kube context and the placeholders."
  type        = string
  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$", var.site))
    error_message = "site must be a DNS label: lower-case letters, digits and '-', at most 32 characters, starting with a letter."
  }
}

variable "kube_context" {
  description = "The kube context name tops and kubectl use for this site; empty: testops-SITE."
  type        = string
  default     = ""
  validation {
    condition     = var.kube_context == "" || can(regex("^[A-Za-z0-9][-A-Za-z0-9_.@:]*$", var.kube_context))
    error_message = "kube_context may hold letters, digits, '-', '_', '.', '@' and ':'."
  }
}

variable "node_pools" {
  description = "Compute placeholders: one node pool each."
  type = list(object({
    name         = string
    nodes        = number
    machine_type = optional(string, "standard-4")
  }))
  default = [{ name = "runners", nodes = 2 }]
  validation {
    condition     = length(var.node_pools) > 0 && alltrue([for p in var.node_pools : p.nodes >= 1 && p.nodes <= 100 && floor(p.nodes) == p.nodes])
    error_message = "node_pools needs at least one pool, each with a whole number of nodes from 1 to 100."
  }
  validation {
    condition     = length(distinct([for p in var.node_pools : p.name])) == length(var.node_pools)
    error_message = "node pool names must be unique."
  }
}

variable "storage_classes" {
  description = "Storage placeholders: the classes the cluster offers; exactly one is the default (used by the chart's PVCs)."
  type = list(object({
    name        = string
    provisioner = optional(string, "rancher.io/local-path")
    default     = optional(bool, false)
  }))
  default = [{ name = "local-path", default = true }]
  validation {
    condition     = length([for s in var.storage_classes : s if s.default]) == 1
    error_message = "exactly one storage class must have default = true."
  }
  validation {
    condition     = alltrue([for s in var.storage_classes : can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", s.name))])
    error_message = "storage class names must be DNS subdomains (lower case)."
  }
}

variable "registry_mirror" {
  description = "The registry mirror in front of every image, HOST[:PORT] (no scheme)."
  type        = string
  default     = "registry.local:5000"
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$", var.registry_mirror))
    error_message = "registry_mirror must be HOST or HOST:PORT, without a scheme (e.g. registry.local:5000)."
  }
}

variable "object_storage" {
  description = "The object-storage placeholder for reports and snapshots: an S3-style endpoint and bucket."
  type = object({
    endpoint = string
    bucket   = string
  })
  default = { endpoint = "http://minio.local:9000", bucket = "testops-reports" }
  validation {
    condition     = can(regex("^https?://[^/ ]+$", var.object_storage.endpoint))
    error_message = "object_storage.endpoint must be an http:// or https:// URL with no path."
  }
  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9.]{1,61}[a-z0-9]$", var.object_storage.bucket))
    error_message = "object_storage.bucket must be 3 to 63 lower-case letters, digits, '.' or '-' (S3's rule)."
  }
}
