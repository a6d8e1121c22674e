"""Tests of the SBOM service (services/sbom/)."""
