"""The deployment shapes: container image, Helm values, Kubernetes manifests, the k8s executor."""
