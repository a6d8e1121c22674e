"""The gateway's WSGI entry point for gunicorn: `gateway.wsgi:app`."""

from gateway import create_app

app = create_app()
