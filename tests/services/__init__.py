"""Tests of the services, mirroring services/."""
