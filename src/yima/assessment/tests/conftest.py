"""A small, hand-checked November 2026 for the assessment tests.

Both facilities are 30 m³/d (inspected every 14 days) and registered on 1 October 2026 at
10:00 (Shanghai), so their first inspection falls due on 15 October at 10:00.

Contractor A (facility_a, 南昌县), November 2026:
- inspections: 19 Oct (misses the 15 Oct due, answers the 29 Oct one) -> dues 2 Nov 10:00 (met
  by 2 Nov 09:00), 16 Nov 09:00 (met by 16 Nov 08:00), 30 Nov 08:00 (missed): 3 dues, 2 on time
  -> 66.7 % × 25 = 16.7 points
- of its 2 November inspections, 2 Nov was checked in at the facility, 16 Nov had no position:
  1 / 2 -> 50 % × 15 = 7.5
- work orders due in November: due 5 Nov done 4 Nov (on time), due 10 Nov done 12 Nov (late),
  due 20 Nov never done, due 25 Nov done 25 Nov 23:00 (on time, same day), due 28 Nov done
  29 Nov 07:00 Shanghai = 28 Nov 23:00 UTC (late: the local day counts); one due 3 Dec done in
  November is not counted: 2 / 5 -> 40 % × 20 = 8.0
- samples in November: COD 45 and 50 (meet 一级B's 60), COD 80 (fails): 2 / 3 -> 66.7 % × 15 =
  10.0
- reports due in November: filed 20 Oct (due 4 Nov, resolved 25 Oct), filed 22 Oct (due 6 Nov,
  resolved 10 Nov: late), filed 1 Nov (due 16 Nov, resolved 10 Nov); one filed 20 Nov is due in
  December: 2 / 3 -> 66.7 % × 15 = 10.0
- evaluations given in November: 5 stars (1 Nov) and 3 stars (11 Nov): 1 / 2 -> 50 % × 10 = 5.0
- total 16.667 + 7.5 + 8 + 10 + 10 + 5 = 57.167 -> 57.2 of 100: fails (pass mark 80)

Contractor B (facility_b, 进贤县): inspections 14 Oct, 27 Oct, 9 Nov (verified), 22 Nov (no
position) -> November dues 10 Nov and 23 Nov both on time: 2 / 2 × 25 = 25; verified 1 / 2 ×
15 = 7.5; nothing else -> no data for 4 items, total (25 + 7.5) / (25 + 15) × 100 = 81.25 ->
81.3: passes.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from yima.core.testing import make_world

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=CST)  # November is over
PERIOD = "2026-11"

A_TOTAL = Decimal("57.2")
B_TOTAL = Decimal("81.3")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


class Builder:
    """Makes records through the real services at given moments, running the after-commit
    work (summary tables, notices) as production does."""

    def __init__(self, world, capture):
        self.w = world
        self.capture = capture

    def run(self, moment: datetime, fn, **kw):
        with freeze_time(moment), self.capture(execute=True):
            return fn(**kw)

    def inspect(self, facility, actor, moment: datetime, *, on_site: bool):
        from yima.operations.services import inspection_record

        position = {}
        if on_site:
            position = {
                "coord_system": "wgs84",
                "latitude": facility.latitude,
                "longitude": facility.longitude,
                "accuracy_m": Decimal("8"),
            }
        inspection, _ = self.run(
            moment,
            inspection_record,
            facility=facility,
            actor=actor,
            client_id=uuid.uuid4(),
            answers={},
            started_at=moment,
            finished_at=moment,
            **position,
        )
        return inspection

    def work_order(self, due: date, opened: datetime, done: datetime | None = None):
        from yima.operations.choices import WorkOrderSource
        from yima.operations.services import (
            work_order_complete,
            work_order_open,
            work_order_start,
        )

        order = self.run(
            opened,
            work_order_open,
            facility=self.w.facility_a,
            actor=self.w.regulator,
            source=WorkOrderSource.REGULATOR,
            description=f"维修 {due:%m-%d}",
            due_on=due,
        )
        if done is not None:
            order = self.run(done, work_order_start, work_order=order, actor=self.w.operator)
            order = self.run(
                done,
                work_order_complete,
                work_order=order,
                actor=self.w.operator,
                resolution="修好",
            )
        return order

    def sample(self, moment: datetime, cod: str):
        from yima.operations.services import sample_record

        sample, _ = self.run(
            moment,
            sample_record,
            facility=self.w.facility_a,
            actor=self.w.regulator,
            client_id=uuid.uuid4(),
            lab="南昌市环境监测站",
            sampled_at=moment,
            values={"cod": Decimal(cod)},
        )
        return sample

    def case(self, filed: datetime, resolved: datetime | None = None):
        from yima.cases.models import CaseType
        from yima.cases.services import case_assign, case_resolve, case_submit

        case = self.run(
            filed,
            case_submit,
            case_type=CaseType.objects.get(code="overflow"),  # 15 days to resolve
            facility=self.w.facility_a,
            description="井盖旁边有污水冒出来。",
            reporter_phone="13812345678",
        )
        case = self.run(filed, case_assign, case=case, actor=self.w.county_regulator)
        if resolved is not None:
            case = self.run(
                resolved, case_resolve, case=case, actor=self.w.operator, public_note="已处理"
            )
        return case

    def evaluate(self, case, moment: datetime, rating: int):
        from yima.cases.services import case_evaluate

        return self.run(
            moment, case_evaluate, case=case, rating=rating, fixed=True, filed_in_session=True
        )


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """A fresh cache (the report rate limits live there), files and notices kept apart."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YIMA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.YIMA_CASE_PHOTO_ROOT = tmp_path / "case-photos"
    settings.YIMA_NOTIFY_BACKEND = "yima.cases.notifications.MemoryBackend"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def november(db, django_capture_on_commit_callbacks):
    """The world of make_world registered on 1 October 2026, and the records described above.
    Returns (world, records) where records names what each item counts."""
    from django.urls import get_resolver

    from yima.facilities.services import facility_update

    # Import every URL module (the API's pydantic schemas) before the clock is frozen:
    # pydantic cannot build a schema for freezegun's fake datetime class.
    assert get_resolver().url_patterns
    with freeze_time(at(10, 1)):
        world = make_world()
    b = Builder(world, django_capture_on_commit_callbacks)
    b.run(
        at(10, 1, 11),
        facility_update,
        facility=world.facility_a,
        actor=world.admin,
        reason="按一级B评价",
        standard="GB18918-2002",
        grade="1B",
    )
    world.facility_a.refresh_from_db()
    a, op = world.facility_a, world.operator
    insp = {
        "a_oct": b.inspect(a, op, at(10, 19), on_site=True),
        "a_nov2": b.inspect(a, op, at(11, 2, 9), on_site=True),
        "a_nov16": b.inspect(a, op, at(11, 16, 8), on_site=False),
    }
    fb, other = world.facility_b, world.other_operator
    insp |= {
        "b_oct14": b.inspect(fb, other, at(10, 14), on_site=True),
        "b_oct27": b.inspect(fb, other, at(10, 27), on_site=True),
        "b_nov9": b.inspect(fb, other, at(11, 9), on_site=True),
        "b_nov22": b.inspect(fb, other, at(11, 22), on_site=False),
    }
    orders = {
        "early": b.work_order(date(2026, 11, 5), at(11, 1), at(11, 4)),
        "late": b.work_order(date(2026, 11, 10), at(11, 1), at(11, 12)),
        "never": b.work_order(date(2026, 11, 20), at(11, 1)),
        "same_day": b.work_order(date(2026, 11, 25), at(11, 20), at(11, 25, 23)),
        "next_day": b.work_order(date(2026, 11, 28), at(11, 20), at(11, 29, 7)),
        "december": b.work_order(date(2026, 12, 3), at(11, 20), at(11, 25)),
    }
    samples = {
        "ok1": b.sample(at(11, 3), "45"),
        "ok2": b.sample(at(11, 17), "50"),
        "bad": b.sample(at(11, 24), "80"),
        "october": b.sample(at(10, 20), "90"),
    }
    cases = {
        "c1": b.case(at(10, 20), at(10, 25)),
        "c2": b.case(at(10, 22), at(11, 10)),
        "c3": b.case(at(11, 1), at(11, 10)),
        "c4": b.case(at(11, 20)),
    }
    cases["c1"] = b.evaluate(cases["c1"], at(11, 1), 5)
    cases["c3"] = b.evaluate(cases["c3"], at(11, 11), 3)
    return world, {"inspections": insp, "orders": orders, "samples": samples, "cases": cases}


@pytest.fixture
def frozen_now():
    with freeze_time(NOW):
        yield NOW
