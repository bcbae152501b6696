from django.db import migrations, models
from django.db.models import F, Q


def fill_queue_fields(apps, schema_editor):
    """Rows from before: sent ones are sent; the unsent wait for the new worker."""
    CodeMessage = apps.get_model("accounts", "CodeMessage")
    CodeMessage.objects.update(next_try_at=F("created_at"))
    CodeMessage.objects.filter(sent_at__isnull=False).update(state="sent")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_guards_per_address")]

    operations = [
        migrations.AddField(
            model_name="codemessage",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("expired", "Expired"),
                ],
                default="pending",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="codemessage",
            name="next_try_at",
            field=models.DateTimeField(
                null=True, help_text="Not tried before this moment (backoff)."
            ),
        ),
        migrations.AddField(
            model_name="codemessage",
            name="lease_until",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="A worker holds it until then; after, any may take it.",
            ),
        ),
        migrations.AddField(
            model_name="codemessage",
            name="claimed_by",
            field=models.CharField(
                blank=True, max_length=64, help_text="The worker that holds it."
            ),
        ),
        migrations.RunPython(fill_queue_fields, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="codemessage",
            name="next_try_at",
            field=models.DateTimeField(help_text="Not tried before this moment (backoff)."),
        ),
        migrations.AddIndex(
            model_name="codemessage",
            index=models.Index(
                condition=Q(state="pending"),
                fields=["next_try_at", "id"],
                name="codemessage_queue",
            ),
        ),
        migrations.AddConstraint(
            model_name="codemessage",
            constraint=models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="codemessage_sent_has_sent_at",
            ),
        ),
    ]
