"""Years of the holiday calendar that are entered in full (HolidayYear).

Before, any year with one row counted as complete. The years an existing database seeded from the
chinese-calendar package are complete by construction and are marked so here; a year entered by
hand waits for an administrator to mark it complete, and until then keeps the fallback holidays
and shows its deadlines as provisional.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_package_years(apps, schema_editor):
    Holiday = apps.get_model("workflow", "Holiday")
    HolidayYear = apps.get_model("workflow", "HolidayYear")
    years = {day.year for day in Holiday.objects.filter(source="chinese_calendar").dates("date", "year")}
    HolidayYear.objects.bulk_create(
        [HolidayYear(year=year, complete=True, source="chinese_calendar") for year in sorted(years)]
    )


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0011_document_kinds_seals_and_digests'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='holiday',
            name='source',
            field=models.CharField(choices=[('chinese_calendar', 'chinese-calendar package'), ('manual', 'Entered by hand'), ('imported', 'Imported from a schedule file')], default='manual', help_text='Rows entered by hand are never overwritten by seeding from the package.', max_length=20, verbose_name='source'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('submitted', 'Application received'), ('accepted', 'Application accepted'), ('not_accepted', 'Application not accepted'), ('supplement', 'Materials to supplement'), ('returned', 'Application returned'), ('suspended', 'Case suspended'), ('resumed', 'Case resumed'), ('extended', 'Time limit extended'), ('concluded', 'Case concluded'), ('deadline_moved', 'Time limit recomputed')], max_length=20, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='HolidayYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('complete', models.BooleanField(default=False, verbose_name='complete')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='marked complete at')),
                ('source', models.CharField(choices=[('chinese_calendar', 'chinese-calendar package'), ('manual', 'Entered by hand'), ('imported', 'Imported from a schedule file')], default='manual', max_length=20, verbose_name='source')),
                ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='marked complete by')),
            ],
            options={
                'verbose_name': 'holiday schedule of a year',
                'verbose_name_plural': 'holiday schedules of years',
                'ordering': ['-year'],
            },
        ),
        migrations.RunPython(mark_package_years, migrations.RunPython.noop),
    ]
