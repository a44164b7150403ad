"""Seed data an administrator edits afterwards: the default inspection policy (DOMAIN.md §5),
checklist templates, and discharge standards (DOMAIN.md §4).

GB 18918-2002 values come from a secondary copy and say so. DB36/1102-2019 (Jiangxi's rural
standard) is a placeholder with NO limit values: they must be loaded from the official text.
"""

from decimal import Decimal

from django.db import migrations

POLICY = [  # (from capacity m3/d, interval days, note)
    ("0", 30, "< 20 m³/d: monthly (DOMAIN.md §5 default)"),
    ("20", 14, "20-100 m³/d: every two weeks (DOMAIN.md §5 default)"),
    ("100", 7, "≥ 100 m³/d: weekly (DOMAIN.md §5 default)"),
]

_COMMON_END = [
    ("no_overflow", "无溢流、无跑冒滴漏", "No overflow or leaks"),
    ("no_odour", "无明显异味", "No noticeable odour"),
    ("sign", "标识牌完好", "Sign intact"),
    ("outlet", "出水口通畅", "Outlet clear"),
    ("site", "站点周边整洁、围栏完好", "Site tidy, fence intact"),
]
CHECKLISTS = {
    "": (
        "通用巡检表",
        [
            ("inflow", "进水正常", "Inflow normal"),
            ("pumps", "水泵/风机运行正常", "Pumps and blowers running"),
            ("cabinet", "电控柜运行正常", "Control cabinet working"),
            ("effluent", "出水清澈、无明显浑浊", "Effluent clear"),
            *_COMMON_END,
        ],
    ),
    "wetland": (
        "人工湿地巡检表",
        [
            ("inflow", "进水正常", "Inflow normal"),
            ("distribution", "布水均匀、无堵塞", "Even distribution, no clogging"),
            ("plants", "湿地植物长势良好", "Wetland plants healthy"),
            ("effluent", "出水清澈、无明显浑浊", "Effluent clear"),
            *_COMMON_END,
        ],
    ),
    "mbr": (
        "MBR 巡检表",
        [
            ("inflow", "进水正常", "Inflow normal"),
            ("pumps", "水泵/风机运行正常", "Pumps and blowers running"),
            ("membrane", "膜组件产水正常、压差正常", "Membrane output and pressure normal"),
            ("cabinet", "电控柜运行正常", "Control cabinet working"),
            *_COMMON_END,
        ],
    ),
}

GB18918_SOURCE = (
    "GB 18918-2002《城镇污水处理厂污染物排放标准》表 1，取自二手转载（secondary copy）；"
    "请对照官方文本核实。Secondary copy; verify against the official text."
)
# pollutant: {grade: (min, max, cold-water max)}; None = the standard sets no limit ("-").
GB18918 = {
    "cod": {"1A": (None, "50", None), "1B": (None, "60", None), "2": (None, "100", None), "3": (None, "120", None)},
    "ss": {"1A": (None, "10", None), "1B": (None, "20", None), "2": (None, "30", None), "3": (None, "50", None)},
    "nh3n": {"1A": (None, "5", "8"), "1B": (None, "8", "15"), "2": (None, "25", "30")},
    "tn": {"1A": (None, "15", None), "1B": (None, "20", None)},
    "tp": {"1A": (None, "0.5", None), "1B": (None, "1", None), "2": (None, "3", None), "3": (None, "5", None)},
    "oils": {"1A": (None, "1", None), "1B": (None, "3", None), "2": (None, "5", None), "3": (None, "20", None)},
    "ph": {g: ("6", "9", None) for g in ("1A", "1B", "2", "3")},
}


def _dec(value):
    return None if value is None else Decimal(value)


def seed(apps, schema_editor):
    Policy = apps.get_model("operations", "InspectionPolicy")
    Template = apps.get_model("operations", "ChecklistTemplate")
    Item = apps.get_model("operations", "ChecklistItem")
    Standard = apps.get_model("operations", "DischargeStandard")
    Limit = apps.get_model("operations", "DischargeLimit")

    for low, days, note in POLICY:
        Policy.objects.get_or_create(
            county=None, min_capacity_m3d=Decimal(low), defaults={"interval_days": days, "note": note}
        )
    for process, (name, items) in CHECKLISTS.items():
        template, created = Template.objects.get_or_create(process=process, defaults={"name": name})
        if created:
            Item.objects.bulk_create(
                Item(template=template, key=key, label=label, label_en=label_en, position=i * 10)
                for i, (key, label, label_en) in enumerate(items, start=1)
            )

    gb, _ = Standard.objects.get_or_create(
        code="GB18918-2002",
        defaults={
            "name": "城镇污水处理厂污染物排放标准",
            "source": GB18918_SOURCE,
            "note": (
                "规模 ≥ 500 m³/d 的农村设施通常执行本标准。NH₃-N 括号内数值为水温 ≤ 12 °C 时的控制指标。"
            ),
        },
    )
    for pollutant, grades in GB18918.items():
        for grade, (low, high, cold) in grades.items():
            Limit.objects.get_or_create(
                standard=gb,
                grade=grade,
                pollutant=pollutant,
                defaults={
                    "limit_min": _dec(low),
                    "limit_max": _dec(high),
                    "cold_limit_max": _dec(cold),
                    "unit": "" if pollutant == "ph" else "mg/L",
                    "source": "secondary copy; verify against the official text",
                },
            )
    Standard.objects.get_or_create(
        code="DB36/1102-2019",
        defaults={
            "name": "江西省农村生活污水处理设施水污染物排放标准（占位，限值未载入）",
            "source": (
                "占位记录：限值未能在此核实，必须由管理员依据官方发布文本录入。"
                "Placeholder: values could not be confirmed; an administrator must load them "
                "from the official text."
            ),
            "note": (
                "尚未载入任何限值：在载入前，执行本标准的设施的水质检测结论为“无法判定”，"
                "不会判为达标。No limits loaded: samples are judged 'cannot be assessed' "
                "until they are."
            ),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
