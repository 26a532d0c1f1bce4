"""Rule K1 (holiday calendar): a yellow card while deadlines are counted over a year whose holiday
schedule is not entered in full. Added here for existing databases, as rules_ensure adds it to new
ones (supervision.rules.defaults); an existing K1 row is left as an administrator set it.
"""

from django.db import migrations, models


K1 = {
    "code": "K1",
    "name": "节假日安排",
    "applies_to": "calendar",
    "evaluator": "holiday_calendar",
    "yellow_threshold": "30",
    "red_threshold": None,
    "enabled": True,
    "description": "黄牌：在办件的期限落在节假日安排尚未完整录入的年份，或距下一年不足该天数而下一年尚未完整录入；"
    "管理员标记该年已完整录入后自动关闭。",
}


def add(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    Rule.objects.get_or_create(code=K1["code"], defaults=K1)


def remove(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    Rule.objects.filter(code=K1["code"], alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0006_rating_uuid"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="subject",
            field=models.CharField(
                choices=[
                    ("case", "Case"),
                    ("penalty_case", "Penalty case"),
                    ("complaint", "Complaint"),
                    ("rating", "Rating"),
                    ("camera", "Camera"),
                    ("exchange", "Exchange"),
                    ("calendar", "Holiday calendar"),
                ],
                max_length=20,
                verbose_name="subject",
            ),
        ),
        migrations.AlterField(
            model_name="rule",
            name="applies_to",
            field=models.CharField(
                choices=[
                    ("case", "Case"),
                    ("penalty_case", "Penalty case"),
                    ("complaint", "Complaint"),
                    ("rating", "Rating"),
                    ("camera", "Camera"),
                    ("exchange", "Exchange"),
                    ("calendar", "Holiday calendar"),
                ],
                max_length=20,
                verbose_name="applies to",
            ),
        ),
        migrations.RunPython(add, remove),
    ]
