"""Drop indexes nobody reads, which every facility an import registers paid for.

- facilities_facility: county_id and contractor_id each had an index of their own, although
  facility_county_town (county, town) and facility_contractor_status (contractor, status) lead
  with the same column.
- facilities_historicalfacility: history is read per facility (by id, in date order); the
  copies simple-history made of the facility's indexes on code, county, town, village and
  contractor served no query.

The state changes are the model's (db_index=False, no_db_index); the database changes are
plain DROP INDEX statements, so neither database rebuilds a table (SQLite's AlterField would
copy the whole ledger and its history five times).
"""

from django.db import migrations, models
import django.db.models.deletion

INDEXES = [
    ("facilities_facility", "facilities_facility_county_id_ce9eb548", "county_id"),
    ("facilities_facility", "facilities_facility_contractor_id_cafa585c", "contractor_id"),
    ("facilities_historicalfacility", "facilities_historicalfacility_code_eecee3e1", "code"),
    (
        "facilities_historicalfacility",
        "facilities_historicalfacility_county_id_a3a73371",
        "county_id",
    ),
    ("facilities_historicalfacility", "facilities_historicalfacility_town_id_0094909c", "town_id"),
    (
        "facilities_historicalfacility",
        "facilities_historicalfacility_village_id_b2fe868d",
        "village_id",
    ),
    (
        "facilities_historicalfacility",
        "facilities_historicalfacility_contractor_id_adbfd535",
        "contractor_id",
    ),
]
# PostgreSQL only: the varchar_pattern_ops twin Django adds beside an index on a CharField.
LIKE = "facilities_historicalfacility_code_eecee3e1_like"


def drop(apps, schema_editor):
    for _table, name, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{LIKE}"')


def create(apps, schema_editor):
    for table, name, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{LIKE}" ON "facilities_historicalfacility" '
            '("code" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("facilities", "0003_alter_historicalfacility_history_change_reason"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name="facility",
                    name="contractor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        limit_choices_to={"kind": "contractor"},
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="facilities",
                        to="accounts.organisation",
                        verbose_name="O&M contractor",
                    ),
                ),
                migrations.AlterField(
                    model_name="facility",
                    name="county",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalfacility",
                    name="code",
                    field=models.CharField(
                        editable=False, max_length=15, verbose_name="facility code"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalfacility",
                    name="contractor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        limit_choices_to={"kind": "contractor"},
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.organisation",
                        verbose_name="O&M contractor",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalfacility",
                    name="county",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="regions.region",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalfacility",
                    name="town",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="regions.region",
                        verbose_name="town",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalfacility",
                    name="village",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="regions.region",
                        verbose_name="village",
                    ),
                ),
            ],
        )
    ]
