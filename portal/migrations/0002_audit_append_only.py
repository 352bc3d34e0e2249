from django.db import migrations

from portal.append_only import MakeAppendOnly


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [MakeAppendOnly("portal_auditevent")]
