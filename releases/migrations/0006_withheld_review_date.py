from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

# What the public site showed before the date was recorded: 90 days after the decision.
OLD_REVIEW_DAYS = 90


def review_dates_of_existing_decisions(apps, schema_editor):
    Release = apps.get_model("releases", "Release")
    for release in Release.objects.filter(state="withheld", withheld_review_on__isnull=True).only("id", "state_changed_at"):
        review_on = timezone.localtime(release.state_changed_at + timedelta(days=OLD_REVIEW_DAYS)).date()
        Release.objects.filter(pk=release.pk).update(withheld_review_on=review_on)


class Migration(migrations.Migration):

    dependencies = [
        ("releases", "0005_transcription_jobs_and_kept_captions"),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="withheld_review_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(review_dates_of_existing_decisions, migrations.RunPython.noop),
    ]
