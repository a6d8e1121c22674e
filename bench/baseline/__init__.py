"""Baselines that `make bench` compares against (never imported by the services)."""
