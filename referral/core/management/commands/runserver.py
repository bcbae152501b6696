"""`runserver` that survives a burst of connections, and does the worker's job too.

Django's development server listens with a backlog of 10, so a burst of 100
clients gets connections reset. A longer queue lets them wait their turn.
"""

from django.contrib.staticfiles.management.commands.runserver import Command as BaseCommand
from django.core.servers.basehttp import WSGIServer

from referral.accounts.worker import start_workers


class QueueingWSGIServer(WSGIServer):
    request_queue_size = 256


class Command(BaseCommand):
    server_cls = QueueingWSGIServer

    def inner_run(self, *args, **options):
        # In the serving process (the autoreloader's child): SMS delivery and housekeeping
        # with no second command to start in development.
        start_workers()
        super().inner_run(*args, **options)
