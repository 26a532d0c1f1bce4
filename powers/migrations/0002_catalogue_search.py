"""Trigram indexes for the public catalogue search, on PostgreSQL only.

The search (powers.public_selectors) matches a term anywhere in the name, the code or the legal
basis with ``LIKE '%term%'`` (``ILIKE`` when the term has letter case). A GIN index with
``gin_trgm_ops`` serves both, Chinese included: pg_trgm takes CJK characters as word characters,
so no word splitting is needed. Only published versions are searched, so the indexes are
partial. ``fastupdate = off`` writes each row into the index at once: with the default pending
list, the rows of a fresh bulk import sit unindexed until the next vacuum and the planner falls
back to scanning the table. The catalogue is read far more often than written.

SQLite has no such index: it scans, which is enough for the embedded run.
"""

from django.db import migrations

COLUMNS = {
    "powers_poweritem_name_trgm": "name",
    "powers_poweritem_code_trgm": "code",
    "powers_poweritem_legal_basis_trgm": "legal_basis",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON powers_poweritem USING gin ({column} gin_trgm_ops) "
            "WITH (fastupdate = off) WHERE status = 'published'"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: something else may use it, and unused it costs nothing.
    for index in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("powers", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False)]
