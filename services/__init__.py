"""The badges and SBOM services, each a small Flask app behind the gateway."""
