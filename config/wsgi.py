import os

from django.core.wsgi import get_wsgi_application

from referral.core.middleware import ChunkedBodyMiddleware

# App servers run production unless told otherwise; manage.py defaults to development.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = ChunkedBodyMiddleware(get_wsgi_application())
