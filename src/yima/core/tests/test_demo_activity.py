"""The demo's activity generator: a year of field work and public reports that looks real and
is what the services would have written."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone, translation

from yima.accounts.models import Membership, User
from yima.cases.choices import OPEN_STATES, CaseAction, CaseState
from yima.cases.deadlines import deadline_after
from yima.cases.models import Case, CaseEvent
from yima.core.demo_activity import generate_activity
from yima.core.testing import make_user
from yima.facilities import demo
from yima.facilities.choices import Status
from yima.facilities.models import Facility
from yima.operations.choices import Compliance, Outcome, WorkOrderState
from yima.operations.compliance import assess
from yima.operations.models import Inspection, WaterSample, WorkOrder, WorkOrderEvent
from yima.operations.selectors import limits_for

FACILITIES = 30


@pytest.fixture(scope="class")
def activity(django_db_setup, django_db_blocker):
    """30 facilities and a year of activity up to `now`, generated once for the class below
    and rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        actor = make_user("demo-admin")
        demo.generate(facilities=FACILITIES, actor=actor)
        now = timezone.now()
        result = generate_activity(years=1, seed=7, now=now)
        yield result, now
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


class TestOneYearOfActivity:
    def test_counts_are_what_thirty_facilities_produce_in_a_year(self, activity, db):
        result, _now = activity
        in_service = Facility.objects.filter(status=Status.IN_SERVICE).count()
        # Monthly for < 20 m³/d, fortnightly for 20-100, weekly from 100: between 12 and 60 a
        # year each, a little more often than the interval on average.
        assert 12 * in_service <= Inspection.objects.count() <= 75 * in_service
        assert result.inspections == Inspection.objects.count()
        inspected = set(Inspection.objects.values_list("facility_id", flat=True))
        assert inspected == set(
            Facility.objects.filter(status=Status.IN_SERVICE).values_list("pk", flat=True)
        )
        abnormal = Inspection.objects.filter(outcome=Outcome.ABNORMAL).count()
        assert 0.01 < abnormal / Inspection.objects.count() < 0.12
        assert WaterSample.objects.count() == result.samples > 0
        assert 0 < WorkOrder.objects.count() <= abnormal
        assert Case.objects.count() == result.cases > 0

    def test_every_inspection_is_by_a_technician_of_the_facilitys_contractor(self, activity, db):
        assert not Inspection.objects.exclude(contractor_id=F("facility__contractor_id")).exists()
        members = set(Membership.objects.values_list("user_id", "organisation_id"))
        pairs = set(Inspection.objects.values_list("inspector_id", "contractor_id"))
        assert pairs <= members
        # Several technicians share the work, not one login for everything.
        assert len({inspector for inspector, _c in pairs}) >= 3

    def test_nothing_lies_in_the_future_or_before_registration(self, activity, db):
        _result, now = activity
        assert not Inspection.objects.filter(finished_at__gt=now).exists()
        assert not Inspection.objects.filter(created_at__gt=now).exists()
        assert not Inspection.objects.filter(finished_at__lt=F("started_at")).exists()
        assert not Inspection.objects.filter(started_at__lt=F("facility__created_at")).exists()
        assert not WaterSample.objects.filter(created_at__gt=now).exists()
        assert not CaseEvent.objects.filter(at__gt=now).exists()
        assert not WorkOrderEvent.objects.filter(at__gt=now).exists()
        first = Inspection.objects.order_by("finished_at").first()
        assert first.finished_at > now - timedelta(days=366)
        assert first.finished_at < now - timedelta(days=300)  # the whole year is covered

    def test_registration_moved_back_in_the_ledger_and_its_history(self, activity, db):
        _result, now = activity
        for facility in Facility.objects.all():
            assert facility.created_at < now - timedelta(days=1)
            first = facility.history.filter(history_type="+").get()
            assert first.created_at == facility.created_at == first.history_date

    def test_rows_pass_the_models_validation_and_constraints(self, activity, db):
        for inspection in Inspection.objects.all():
            inspection.full_clean()
        for sample in WaterSample.objects.all():
            sample.full_clean()
        for work_order in WorkOrder.objects.all():
            work_order.full_clean()
        for case in Case.objects.all():
            case.full_clean()

    def test_positions_and_the_on_site_verdict_agree(self, activity, db):
        from yima.operations import geo

        with_position = Inspection.objects.filter(latitude__isnull=False).select_related("facility")
        assert with_position.count() > 0.9 * Inspection.objects.count()
        verified = 0
        for inspection in with_position:
            f = inspection.facility
            distance = geo.haversine_m(
                inspection.latitude, inspection.longitude, f.latitude, f.longitude
            )
            assert abs(float(inspection.distance_m) - distance) < 0.2
            expected = inspection.distance_m <= 200 and inspection.accuracy_m <= 100
            assert inspection.verified_on_site == expected
            verified += expected
        assert verified > 0.75 * with_position.count()

    def test_abnormal_inspections_name_their_failed_items(self, activity, db):
        for inspection in Inspection.objects.filter(outcome=Outcome.ABNORMAL):
            assert inspection.failed_items
            assert inspection.notes
        for inspection in Inspection.objects.filter(outcome=Outcome.NORMAL)[:200]:
            assert not inspection.failed_items
            assert all(item["ok"] is True for item in inspection.checklist)

    def test_flow_readings_are_thirty_to_ninety_percent_of_capacity(self, activity, db):
        readings = Inspection.objects.filter(flow_m3d__isnull=False).select_related("facility")
        assert readings.exists()
        for inspection in readings:
            share = inspection.flow_m3d / inspection.facility.capacity_m3d
            assert 0.29 <= share <= 0.91

    def test_sample_verdicts_are_the_compliance_codes(self, activity, db):
        verdicts = Counter()
        for sample in WaterSample.objects.all():
            compliance, results = assess(
                sample.values(),
                limits_for(sample.standard, sample.grade),
                sample.water_temperature_c,
            )
            assert sample.compliance == compliance
            assert sample.results == results
            verdicts[compliance] += 1
        # DB36/1102-2019 has no limits loaded yet: its samples cannot be assessed.
        assert verdicts[Compliance.UNKNOWN] > 0

    def test_every_inspection_and_sample_has_its_history_row(self, activity, db):
        history = Inspection.history.filter(history_type="+")
        assert history.count() == Inspection.objects.count()
        assert not history.exclude(history_user_id=F("inspector_id")).exists()
        assert WaterSample.history.count() == WaterSample.objects.count()

    def test_work_orders_have_one_event_and_history_row_per_step(self, activity, db):
        states = Counter(WorkOrder.objects.values_list("state", flat=True))
        assert states[WorkOrderState.DONE] + states[WorkOrderState.VERIFIED] > 0.7 * sum(
            states.values()
        )
        for work_order in WorkOrder.objects.all():
            events = list(work_order.events.order_by("at", "pk"))
            assert events[0].action == "open"
            assert events[-1].to_state == work_order.state
            assert work_order.history.count() == len(events)
            assert work_order.inspection.outcome == Outcome.ABNORMAL
            assert work_order.inspection.facility_id == work_order.facility_id

    def test_report_deadlines_follow_the_problem_type(self, activity, db):
        for case in Case.objects.select_related("case_type"):
            assert case.accept_due_at == deadline_after(
                case.submitted_at, case.case_type.accept_days
            )
            assert case.resolve_due_at == deadline_after(
                case.submitted_at, case.case_type.resolve_days
            )
            assert case.region_id in (case.facility.village_id, case.facility.town_id)

    def test_reports_step_through_the_engine_in_order(self, activity, db):
        for case in Case.objects.all():
            events = list(case.events.order_by("at", "pk"))
            assert events[0].action == CaseAction.SUBMIT
            state = events[0].to_state
            for event in events[1:]:
                assert event.from_state == state
                state = event.to_state
            assert state == case.state
            history = list(case.history.order_by("history_date", "history_id"))
            assert len(history) == len(events)
            assert history[-1].state == case.state
            if case.state == CaseState.RESOLVED:
                assert case.resolved_at is not None
            if case.concluded_at is not None and case.state not in OPEN_STATES:
                assert case.concluded_at >= case.submitted_at

    def test_foreign_keys_point_at_existing_rows(self, activity, db):
        assert _dangling_foreign_keys() == []

    def test_summary_tables_equal_a_fresh_rebuild(self, activity, db):
        from yima.dashboard.models import FacilityState, InspectionDue
        from yima.dashboard.summary import summary_rebuild

        _result, now = activity

        def snapshot():
            states = sorted(
                FacilityState.objects.values_list(
                    "facility_id",
                    "last_inspected_at",
                    "last_outcome",
                    "next_due_at",
                    "abnormal_since",
                    "last_sampled_at",
                    "last_compliance",
                )
            )
            dues = sorted(
                InspectionDue.objects.values_list(
                    "facility_id", "due_at", "inspection_id", "on_time"
                )
            )
            return states, dues

        before = snapshot()
        assert len(before[0]) == FACILITIES
        assert before[1]
        with transaction.atomic():
            summary_rebuild(now=now)
            assert snapshot() == before
            transaction.set_rollback(True)

    def test_dashboard_figures_look_like_a_working_city(self, activity, db):
        from yima.dashboard.selectors import Period, dashboard_figures

        _result, now = activity
        admin = User.objects.create_superuser("figures-admin", "a@example.org", "x-1234567")
        today = timezone.localdate(now)
        period = Period.parse(f"{today - timedelta(days=330)}..{today}", now=now)
        figures = dashboard_figures(user=admin, region=None, period=period, now=now)
        assert figures.facilities == FACILITIES
        assert 0.5 <= figures.operating.ratio < 1
        assert 0.6 <= figures.inspections_on_time.ratio < 1
        assert figures.load is not None and 0.3 <= figures.load.ratio <= 0.9
        assert figures.reports_opened > 0
        assert figures.compliance.denominator + figures.samples_unassessed > 0


def test_no_activity_for_zero_years(db):
    demo.generate(facilities=5)
    result = generate_activity(years=0)
    assert result.inspections == 0
    assert not Inspection.objects.exists()


def test_inspections_stop_when_a_facility_was_suspended(db):
    demo.generate(facilities=5)
    facility = Facility.objects.order_by("pk").first()
    suspended_on = timezone.localdate() - timedelta(days=120)
    Facility.objects.filter(pk=facility.pk).update(
        status=Status.SUSPENDED, status_since=suspended_on
    )
    facility.status_changes.create(
        from_status=Status.IN_SERVICE,
        to_status=Status.SUSPENDED,
        effective_on=suspended_on,
        reason="test",
    )
    generate_activity(years=1, rebuild=False)
    latest = facility.inspections.aggregate(latest=Max("finished_at"))["latest"]
    assert latest is not None
    assert timezone.localdate(latest) < suspended_on
    assert Inspection.objects.exclude(facility=facility).exists()


def test_demo_command_generates_a_year_once_and_keeps_it(db, settings, tmp_path):
    settings.YIMA_HOME = tmp_path / "home"

    def run(**options) -> str:
        out = StringIO()
        with translation.override("en"):
            call_command("demo", no_serve=True, stdout=out, **options)
        return out.getvalue()

    output = run(facilities=12)
    assert "Generated" in output
    count = Inspection.objects.count()
    assert count > 12 * 10
    # The contractors' demo logins did some of the work.
    yunwei = User.objects.filter(username__startswith="yunwei")
    assert Inspection.objects.filter(inspector__in=yunwei).exists()

    output = run(facilities=12, years=3)
    assert "keeping the existing data" in output
    assert Inspection.objects.count() == count


def test_demo_command_years_zero_loads_only_the_ledger(db, settings, tmp_path):
    settings.YIMA_HOME = tmp_path / "home"
    with translation.override("en"):
        call_command("demo", no_serve=True, facilities=5, years=0, stdout=StringIO())
    assert Facility.objects.count() == 5
    assert not Inspection.objects.exists()
    assert not Case.objects.annotate(n=Count("events")).exists()


def _dangling_foreign_keys() -> list[str]:
    """The foreign keys of generated rows that point at no row (PostgreSQL only checks them at
    commit, and the bulk load on PostgreSQL skips those checks)."""
    from django.apps import apps

    from yima.dashboard.models import FacilityState, InspectionDue

    loaded = [Inspection, WaterSample, WorkOrder, WorkOrderEvent, Case, CaseEvent]
    loaded += [model.history.model for model in (Inspection, WaterSample, WorkOrder, Case)]
    loaded += [FacilityState, InspectionDue]
    dangling = []
    for model in loaded:
        for field in model._meta.concrete_fields:
            if not field.is_relation or not field.db_constraint:
                continue
            target = field.related_model
            if target is None or not apps.is_installed(target._meta.app_config.name):
                continue
            orphans = (
                model.objects.exclude(**{f"{field.attname}__isnull": True})
                .exclude(
                    **{f"{field.attname}__in": target.objects.values(field.target_field.attname)}
                )
                .count()
            )
            if orphans:
                dangling.append(f"{model.__name__}.{field.attname}: {orphans}")
    return dangling


def _summary_snapshot():
    from yima.dashboard.models import FacilityState, InspectionDue

    states = sorted(
        FacilityState.objects.values_list(
            "facility_id",
            "last_inspected_at",
            "last_outcome",
            "last_verified",
            "interval_days",
            "next_due_at",
            "abnormal_since",
            "last_sampled_at",
            "last_compliance",
        )
    )
    dues = sorted(
        InspectionDue.objects.values_list(
            "facility_id", "due_at", "inspection_id", "on_time", "contractor_id"
        )
    )
    return states, dues


@pytest.mark.django_db(transaction=True)
def test_bulk_load_outside_a_transaction_is_complete_and_consistent():
    """Outside a caller's transaction (the `yima demo` command) PostgreSQL loads with a writer
    thread in one transaction, without foreign-key checks and with the secondary indexes built
    again at the end: the rows are the same kind, valid, and every index is back."""
    from django.db import connection

    from yima.dashboard.summary import summary_rebuild

    def indexes():
        with connection.cursor() as cursor:
            return sorted(
                (model._meta.db_table, name)
                for model in (Inspection, Inspection.history.model, Case, CaseEvent)
                for name in connection.introspection.get_constraints(cursor, model._meta.db_table)
            )

    demo.generate(facilities=8)
    before = indexes()
    now = timezone.now()
    result = generate_activity(years=1, seed=3, now=now)
    assert result.inspections == Inspection.objects.count() > 8 * 10
    assert result.samples == WaterSample.objects.count()
    assert result.cases == Case.objects.count()
    assert WorkOrderEvent.objects.count() >= WorkOrder.objects.count() > 0
    assert Inspection.history.filter(history_type="+").count() == result.inspections
    assert indexes() == before
    assert _dangling_foreign_keys() == []
    with connection.cursor() as cursor:  # the session is back to checking foreign keys
        if connection.vendor == "postgresql":
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
    generated = _summary_snapshot()
    assert generated[1]
    summary_rebuild(now=now)
    assert _summary_snapshot() == generated
