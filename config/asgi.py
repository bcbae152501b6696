import os

from django.core.asgi import get_asgi_application

# App servers run production unless told otherwise; manage.py defaults to development.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
