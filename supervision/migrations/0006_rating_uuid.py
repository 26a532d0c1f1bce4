"""Ratings get an identity shared by the two zones (the exchange's evaluation packets name them by it).

Existing rows each need their own UUID: the column is added nullable, filled row by row, then made
unique and required.
"""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    Rating = apps.get_model("supervision", "Rating")
    for rating in Rating.objects.filter(uuid__isnull=True).only("pk").iterator():
        rating.uuid = uuid.uuid4()
        rating.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0005_enable_exchange_rule")]

    operations = [
        migrations.AddField(model_name="rating", name="uuid", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="rating",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
