"""Tests of services/badges."""
