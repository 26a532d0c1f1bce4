from django.db import migrations

# A fragment of digits typed in the workbench's search is looked for in the case number and the
# mobile number at once (number LIKE '%…%' OR applicant_mobile LIKE '%…%'): with a trigram index
# on both, PostgreSQL ORs two index scans instead of reading every open case of the department.
OPEN = "('submitted', 'supplement', 'accepted', 'reviewing', 'returned', 'suspended', 'approved', 'denied')"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS workflow_case_number_trgm ON workflow_case "
            f"USING gin (number gin_trgm_ops) WHERE state IN {OPEN}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS workflow_case_number_trgm")


class Migration(migrations.Migration):
    dependencies = [("workflow", "0007_published_penalties")]

    operations = [migrations.RunPython(create, drop)]
