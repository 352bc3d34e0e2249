from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('footage', '0004_upload_hash_state'),
    ]

    operations = [
        migrations.AddField(
            model_name='upload',
            name='file_state',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
    ]
