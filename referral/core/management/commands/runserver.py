"""`runserver` that survives a burst of connections.

Django's development server listens with a backlog of 10, so a burst of 100
clients gets connections reset. A longer queue lets them wait their turn.
"""

from django.contrib.staticfiles.management.commands.runserver import Command as BaseCommand
from django.core.servers.basehttp import WSGIServer


class QueueingWSGIServer(WSGIServer):
    request_queue_size = 256


class Command(BaseCommand):
    server_cls = QueueingWSGIServer
