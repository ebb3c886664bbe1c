import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
application = get_wsgi_application()

from duban.core.runtime import settle  # noqa: E402 — after the apps are loaded

settle()
