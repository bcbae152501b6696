"""`manage.py webhooks add|list|disable|enable|rotate-secret|send-test`."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from referral.webhooks import endpoints, events, safety
from referral.webhooks.models import EVENT_TYPES, TEST_EVENT, Endpoint


class Command(BaseCommand):
    help = "Manage webhook endpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        add = commands.add_parser("add", help="Subscribe a URL; prints its secret, once.")
        add.add_argument("url")
        add.add_argument(
            "--events", help=f"comma-separated, of {', '.join(EVENT_TYPES)} (default: all)"
        )
        commands.add_parser("list", help="The endpoints.")
        for name, text in [
            ("disable", "Stop sending to an endpoint."),
            ("enable", "Send to an endpoint again."),
            ("send-test", f"Send a {TEST_EVENT} event to an endpoint."),
        ]:
            commands.add_parser(name, help=text).add_argument("id", type=int)
        rotate = commands.add_parser(
            "rotate-secret", help="A new secret; the old one keeps signing for the overlap."
        )
        rotate.add_argument("id", type=int)
        rotate.add_argument(
            "--overlap-hours", type=int, default=settings.WEBHOOKS_SECRET_OVERLAP_HOURS
        )

    def handle(self, *args: str, command: str, **options: Any) -> None:
        now = timezone.now()
        if command == "add":
            events_ = options["events"].split(",") if options["events"] else None
            try:
                endpoint = endpoints.add(url=options["url"], events=events_, now=now)
            except (safety.UnsafeURL, ValueError) as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                f"endpoint {endpoint.pk}: {endpoint.url} ({', '.join(endpoint.events)})"
            )
            self.stdout.write(f"secret (shown once): {endpoint.secret}")
            return
        if command == "list":
            for endpoint in Endpoint.objects.order_by("id"):
                state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason})"
                failing = (
                    f", failing since {endpoint.failing_since:%Y-%m-%d %H:%M}"
                    if endpoint.failing_since
                    else ""
                )
                self.stdout.write(
                    f"{endpoint.pk}\t{endpoint.url}\t{','.join(endpoint.events)}\t{state}{failing}"
                )
            return
        endpoint = self._endpoint(options["id"])
        if command in ("disable", "enable"):
            endpoints.set_enabled(
                endpoint=endpoint, enabled=command == "enable", reason="by an operator"
            )
            self.stdout.write(f"endpoint {endpoint.pk} {command}d")
        elif command == "rotate-secret":
            overlap = timedelta(hours=options["overlap_hours"])
            secret = endpoints.rotate_secret(endpoint=endpoint, overlap=overlap, now=now)
            self.stdout.write(f"new secret (shown once): {secret}")
            self.stdout.write(f"the old one also signs until {now + overlap:%Y-%m-%d %H:%M} UTC")
        else:
            event = events.send_test(endpoint_id=endpoint.pk, now=now)
            self.stdout.write(f"queued {event} for endpoint {endpoint.pk}")

    def _endpoint(self, pk: int) -> Endpoint:
        try:
            return Endpoint.objects.get(pk=pk)
        except Endpoint.DoesNotExist as error:
            raise CommandError(f"no endpoint {pk}") from error
