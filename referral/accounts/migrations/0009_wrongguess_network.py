from django.db import migrations, models


def fill_networks(apps, schema_editor):
    """The wrong guesses kept (LOGIN_RECORDS_RETENTION_DAYS) get their source's network."""
    from referral.core.http import network_of

    WrongGuess = apps.get_model("accounts", "WrongGuess")
    for source in WrongGuess.objects.values_list("source", flat=True).distinct().iterator():
        WrongGuess.objects.filter(source=source).update(network=network_of(source))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_referral_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="wrongguess",
            name="network",
            field=models.CharField(
                default="", editable=False, max_length=49, verbose_name="network"
            ),
        ),
        migrations.RunPython(fill_networks, migrations.RunPython.noop),
    ]
