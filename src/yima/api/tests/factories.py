"""Small factories for API tests: field records and reports made through the apps' services,
as the pages make them."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from yima.cases.models import CaseType


def inspection(world, *, facility=None, actor=None, answers=None, **kw):
    from yima.operations.services import inspection_record

    facility = facility or world.facility_a
    actor = actor or (world.operator if facility == world.facility_a else world.other_operator)
    finished = kw.pop("finished_at", timezone.now() - timedelta(hours=1))
    record, _created = inspection_record(
        facility=facility,
        actor=actor,
        client_id=uuid.uuid4(),
        answers=answers or {},
        started_at=finished - timedelta(minutes=20),
        finished_at=finished,
        **kw,
    )
    return record


def sample(world, *, facility=None, actor=None, cod="45", **kw):
    from yima.operations.services import sample_record

    facility = facility or world.facility_a
    actor = actor or world.regulator
    record, _created = sample_record(
        facility=facility,
        actor=actor,
        client_id=uuid.uuid4(),
        lab=kw.pop("lab", "南昌市环境监测站"),
        sampled_at=kw.pop("sampled_at", timezone.now() - timedelta(days=1)),
        values={"cod": Decimal(cod), "ph": Decimal("7.2")},
        **kw,
    )
    return record


def work_order(world, *, facility=None, actor=None, **kw):
    from yima.operations.choices import WorkOrderSource
    from yima.operations.services import work_order_open

    facility = facility or world.facility_a
    actor = actor or world.regulator
    return work_order_open(
        facility=facility,
        actor=actor,
        source=kw.pop("source", WorkOrderSource.REGULATOR),
        description=kw.pop("description", "风机异响，请检修。"),
        **kw,
    )


def report(world, *, facility=None, code="overflow", phone="13812345678", **kw):
    """A public report about facility_a (by default), as the web form files it."""
    from yima.cases.services import case_submit

    kw.setdefault("description", "井盖旁边有污水冒出来，已经两天了。")
    return case_submit(
        case_type=CaseType.objects.get(code=code),
        facility=world.facility_a if facility is None else facility,
        reporter_phone=phone,
        **kw,
    )


def assigned_report(world, **kw):
    from yima.cases.services import case_assign

    case = report(world, **kw)
    regulator = world.county_regulator if case.facility == world.facility_a else world.regulator
    return case_assign(case=case, actor=regulator)
