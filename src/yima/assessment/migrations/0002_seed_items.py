"""Seed the contractor assessment's six items and the pass mark (editable afterwards on
/assessment/weights/). The weights add up to 100: results that the public and the bureau feel
most (inspections on time, repairs, effluent) weigh more than the record-keeping items."""

from decimal import Decimal

from django.db import migrations

ITEMS = [
    # key, weight, Chinese name, English name, Chinese description, English description
    (
        "inspections_on_time",
        "25",
        "巡检及时率",
        "Inspections on time",
        "考核期内到期的巡检中按时完成的比例：设施按巡检频次每到一次期限算一次应巡检，"
        "在期限前（含当天）完成的巡检计为按时；期限过后仍未巡检的计为逾期。",
        "Share of the inspections that fell due in the period and were done by their due time: "
        "each facility falls due once per policy interval; a due with no inspection by then is "
        "missed.",
    ),
    (
        "verified_on_site",
        "15",
        "现场核验率",
        "Verified on site",
        "考核期内该运维单位完成的巡检中，定位核验为“在现场”（距设施足够近、定位精度足够）的比例。",
        "Share of the contractor's inspections in the period whose location check found the "
        "technician at the facility (close enough, with an accurate enough fix).",
    ),
    (
        "repairs_on_time",
        "20",
        "维修按期完成率",
        "Repairs on time",
        "要求完成日期在考核期内的维修工单中，在要求日期当天或之前报告完成的比例。"
        "尚未到期且未完成的工单不计入。",
        "Share of the work orders due in the period that were reported done on or before their "
        "due date. Orders not yet due and not yet done are not counted.",
    ),
    (
        "compliance",
        "15",
        "出水达标率",
        "Effluent compliance",
        "考核期内其运维设施的水质检测中，各项指标均达到设施排放标准的比例；无法判定的检测不计入。",
        "Share of the period's water samples of the contractor's facilities that met every "
        "limit of the facility's standard; samples that cannot be judged are not counted.",
    ),
    (
        "complaints_on_time",
        "15",
        "投诉按时办结率",
        "Reports resolved on time",
        "办理期限在考核期内的群众报告（涉及其运维设施）中，在期限前办结的比例。",
        "Share of the public reports about the contractor's facilities whose deadline fell in "
        "the period that were concluded by that deadline.",
    ),
    (
        "satisfaction",
        "10",
        "群众满意率",
        "Public satisfaction",
        "考核期内群众对其运维设施相关报告的评价中，4 星或 5 星（满分 5 星）的比例。",
        "Share of the evaluations given in the period on reports about the contractor's "
        "facilities that rated the handling 4 or 5 out of 5.",
    ),
]


def seed(apps, schema_editor):
    Item = apps.get_model("assessment", "AssessmentItem")
    Settings = apps.get_model("assessment", "AssessmentSettings")
    for order, (key, weight, name, name_en, description, description_en) in enumerate(
        ITEMS, start=1
    ):
        Item.objects.get_or_create(
            key=key,
            defaults={
                "weight": Decimal(weight),
                "name": name,
                "name_en": name_en,
                "description": description,
                "description_en": description_en,
                "order": order * 10,
            },
        )
    Settings.objects.get_or_create(pk=1, defaults={"pass_mark": Decimal("80")})


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
