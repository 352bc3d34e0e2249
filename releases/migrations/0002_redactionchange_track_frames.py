from django.db import migrations, models


def copy_track_boxes(apps, schema_editor):
    """Marks made before boxes were kept refer to the release's current render: copy the boxes
    of their track from its log."""
    RedactionChange = apps.get_model("releases", "RedactionChange")
    for change in RedactionChange.objects.filter(kind__in=["suppress", "do_not_redact"]).select_related("release"):
        tracks = (change.release.redaction_log or {}).get("tracks") or []
        frames = next((t.get("frames") or [] for t in tracks if t.get("id") == change.track_id), [])
        if frames:
            change.track_frames = frames
            change.save(update_fields=["track_frames"])


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="redactionchange",
            name="track_frames",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(copy_track_boxes, migrations.RunPython.noop),
    ]
