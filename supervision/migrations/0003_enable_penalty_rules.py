"""Penalty cases are online: enable rules P1–P3, seeded disabled "until penalty cases go online".

rules_ensure only adds missing rules, so the rows of an existing database are updated here; an
administrator who has since edited a rule's description keeps it (only the parenthesis goes).
"""

from django.db import migrations

CODES = ["P1", "P2", "P3"]
PENDING = "（行政处罚办件上线后启用）"


def enable(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    for rule in Rule.objects.filter(code__in=CODES):
        rule.enabled = True
        rule.description = rule.description.replace(PENDING, "")
        rule.save(update_fields=["enabled", "description"])


def disable(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    for rule in Rule.objects.filter(code__in=CODES):
        rule.enabled = False
        rule.description = rule.description + PENDING
        rule.save(update_fields=["enabled", "description"])


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_sweep_indexes"),
        ("workflow", "0006_penalty_cases"),
    ]

    operations = [migrations.RunPython(enable, disable)]
