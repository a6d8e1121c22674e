"""The WSGI entry point: `gunicorn services.badges.wsgi:app`."""

from services.badges import create_app

app = create_app()
