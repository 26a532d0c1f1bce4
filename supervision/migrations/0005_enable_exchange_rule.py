"""The exchange between the zones is online: enable rule X1, seeded disabled "until it goes online".

As for P1–P3 (0003): existing rows are updated here, since rules_ensure only adds missing rules.
"""

from django.db import migrations

PENDING = "（内外网交换上线后启用）"
QUARANTINE = "；有报文被隔离即为红牌。"


def enable(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    for rule in Rule.objects.filter(code="X1"):
        rule.enabled = True
        rule.description = rule.description.replace("。" + PENDING, QUARANTINE)
        rule.save(update_fields=["enabled", "description"])


def disable(apps, schema_editor):
    Rule = apps.get_model("supervision", "Rule")
    for rule in Rule.objects.filter(code="X1"):
        rule.enabled = False
        rule.description = rule.description.replace(QUARANTINE, "。" + PENDING)
        rule.save(update_fields=["enabled", "description"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0004_sweep_finding")]

    operations = [migrations.RunPython(enable, disable)]
