from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('footage', '0003_upload_fingerprint'),
    ]

    operations = [
        migrations.AddField(
            model_name='upload',
            name='hash_state',
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
    ]
