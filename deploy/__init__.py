"""Deployment: the gunicorn config, Kubernetes manifests, nginx and a local cluster."""
