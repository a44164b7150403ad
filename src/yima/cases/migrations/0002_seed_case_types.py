"""Seed the problem types the public can report (editable afterwards in the admin), each
promising acceptance within 2 days and a result within 15 days, the shape of the resident
council's promises in the seed ("2 天内答复, 15 天内办结")."""

from django.db import migrations

TYPES = [
    # code, Chinese name, English name, Chinese guidance, English guidance
    (
        "overflow",
        "污水溢流",
        "Sewage overflow",
        "井盖、管道或设施周边有污水冒出、外流。如有危险请远离，并直接拨打热线。",
        "Sewage coming out of manholes, pipes or around the facility. If it is dangerous, keep "
        "away and call the hotline.",
    ),
    (
        "odour",
        "异味",
        "Bad smell",
        "设施附近有明显臭味。请写明大概什么时候闻到、持续了多久。",
        "A strong smell near the facility. Say roughly when you noticed it and how long it lasts.",
    ),
    (
        "not_running",
        "设施不运行",
        "Facility not running",
        "设备不转、没有声音、指示灯不亮，或出水口一直没有水。",
        "Machines not turning, no sound, no lights, or no water at the outlet for a long time.",
    ),
    (
        "noise",
        "噪声",
        "Noise",
        "风机、水泵等设备声音太大，影响休息。请写明是什么时段。",
        "Blowers or pumps so loud they disturb rest. Say at what times of day.",
    ),
    (
        "damaged",
        "标识牌或设备损坏",
        "Damaged sign or equipment",
        "标识牌、二维码、围栏、井盖或设备损坏、丢失。",
        "A sign, QR code, fence, manhole cover or piece of equipment is damaged or missing.",
    ),
    (
        "other",
        "其他",
        "Other",
        "以上都不是：请在描述里说明是什么问题。",
        "None of the above: describe the problem in your own words.",
    ),
]


def seed(apps, schema_editor):
    CaseType = apps.get_model("cases", "CaseType")
    for order, (code, name, name_en, guidance, guidance_en) in enumerate(TYPES, start=1):
        CaseType.objects.get_or_create(
            code=code,
            defaults={
                "domain": "facility",
                "name": name,
                "name_en": name_en,
                "guidance": guidance,
                "guidance_en": guidance_en,
                "accept_days": 2,
                "resolve_days": 15,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    CaseType = apps.get_model("cases", "CaseType")
    CaseType.objects.filter(code__in=[t[0] for t in TYPES], cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
