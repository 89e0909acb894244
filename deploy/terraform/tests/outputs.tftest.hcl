# terraform test: the outputs that feed tops, from validated variables.
variables {
  site            = "lab1"
  registry_mirror = "mirror.lab1.local:5000"
  storage_classes = [
    { name = "fast-ssd", provisioner = "csi.example/ssd" },
    { name = "local-path", default = true },
  ]
  object_storage = { endpoint = "https://s3.lab1.local", bucket = "lab1-reports" }
  node_pools     = [{ name = "runners", nodes = 3 }, { name = "engine", nodes = 1, machine_type = "highmem-8" }]
}

run "overlay_and_context" {
  command = apply

  assert {
    condition     = output.kube_context == "testops-lab1"
    error_message = "the kube context is testops-SITE by default"
  }
  assert {
    condition     = yamldecode(output.values_overlay).persistence.storageClass == "local-path"
    error_message = "the overlay's storage class is the default class"
  }
  assert {
    condition     = yamldecode(output.values_overlay).global.imageRegistry == "mirror.lab1.local:5000"
    error_message = "the overlay's registry is the mirror"
  }
  assert {
    condition     = yamldecode(output.values_overlay).objectStorage.bucket == "lab1-reports"
    error_message = "the overlay carries the bucket"
  }
  assert {
    condition     = jsondecode(output.values_overlay_json).objectStorage.endpoint == "https://s3.lab1.local"
    error_message = "the JSON overlay carries the endpoint"
  }
  assert {
    condition     = output.node_pools["runners"] == 3 && output.node_pools["engine"] == 1
    error_message = "one placeholder per node pool"
  }
}

run "explicit_context" {
  command = plan
  variables {
    kube_context = "admin@lab1"
  }
  assert {
    condition     = output.kube_context == "admin@lab1"
    error_message = "kube_context overrides the default"
  }
}

run "mirror_with_scheme_refused" {
  command = plan
  variables {
    registry_mirror = "https://mirror.lab1.local"
  }
  expect_failures = [var.registry_mirror]
}

run "two_default_classes_refused" {
  command = plan
  variables {
    storage_classes = [{ name = "a", default = true }, { name = "b", default = true }]
  }
  expect_failures = [var.storage_classes]
}

run "bad_bucket_refused" {
  command = plan
  variables {
    object_storage = { endpoint = "https://s3.lab1.local", bucket = "Bad_Bucket" }
  }
  expect_failures = [var.object_storage]
}
