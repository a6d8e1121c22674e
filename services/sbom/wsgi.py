"""The WSGI entry point: `gunicorn services.sbom.wsgi:app`."""

from services.sbom import create_app

app = create_app()
