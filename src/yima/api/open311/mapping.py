"""How yima's cases read in Open311 GeoReport v2 (DOMAIN.md §7):

- service = problem type (CaseType): service_code = its code; no extra attributes.
- service request = a case, found by its tracking number (service_request_id, e.g. K7MQ-3XWP);
  address_id = the facility code; status `open` while someone owes the reporter an answer
  (submitted, accepted, assigned, reopened), `closed` once handled, closed or not accepted;
  status_notes = the state in public words and the latest public note; expected_datetime =
  the promised resolution deadline; agency_responsible = the bureau that supervises it.
- Only what the public page shows goes out: no reporter phone, no staff names, no internal
  notes; phone numbers typed into texts are masked. Photos stay with staff (media_url null).
"""

from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from yima.accounts.choices import OrganisationKind
from yima.accounts.models import Organisation
from yima.cases import selectors as case_selectors
from yima.cases.choices import OPEN_STATES, PUBLIC_ACTIONS
from yima.cases.models import Case, CaseEvent, CaseType
from yima.cases.privacy import redact_phones
from yima.cases.tracking import format_tracking

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

PROMISE = gettext_noop("Accepted within %(accept)s days, handled within %(resolve)s days.")
# Read both right after filing and later, so it states the promise without a tense.
NOTICE = gettext_noop(
    "Promised: accepted by %(accept)s, handled by %(resolve)s. Tracking number: %(number)s."
)
STATUS_WITH_NOTE = gettext_noop("%(status)s: %(note)s")


def w3(moment: datetime | None) -> str | None:
    """ISO 8601 in the site's zone, to the second: 2025-03-01T09:30:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _local_date(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


# --- Services ---


def service(case_type: CaseType) -> dict:
    description = " ".join(
        part
        for part in (
            case_type.help_text,
            _(PROMISE) % {"accept": case_type.accept_days, "resolve": case_type.resolve_days},
        )
        if part
    )
    keywords = ", ".join(dict.fromkeys(k for k in (case_type.name, case_type.name_en) if k))
    return {
        "service_code": case_type.code,
        "service_name": case_type.label,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": str(case_type.get_domain_display()),
    }


def service_definition(case_type: CaseType) -> dict:
    # No problem type asks for extra fields yet: the definition exists, its list is empty.
    return {"service_code": case_type.code, "attributes": []}


def changeset() -> str:
    """When the list of services last changed (for clients' caches)."""
    latest = CaseType.history.order_by("-history_date").values_list("history_date", flat=True)
    return w3(latest.first() or datetime(2020, 1, 1, tzinfo=timezone.get_current_timezone()))


# --- Requests ---


def with_public_progress(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Add what one list query needs: the latest public step's time and note, and the
    facility's place names."""
    latest = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=PUBLIC_ACTIONS).order_by(
        "-at", "-pk"
    )
    return cases.select_related(
        "case_type", "region", "facility__village", "facility__town", "facility__county"
    ).annotate(
        public_updated_at=Subquery(latest.values("at")[:1]),
        public_note=Subquery(latest.values("public_note")[:1]),
    )


class Agencies:
    """The regulator bureaus, loaded once per response: who supervises each case (the most
    local bureau whose region covers it; a case with no region: the widest one)."""

    def __init__(self) -> None:
        self._bureaus = [
            (org.region.prefix, org.name)
            for org in Organisation.objects.filter(
                kind=OrganisationKind.REGULATOR, is_active=True, region__isnull=False
            ).select_related("region")
        ]

    def responsible(self, case: Case) -> str | None:
        if case.region_id is None:
            wide = sorted(self._bureaus, key=lambda bureau: (len(bureau[0]), bureau[1]))
            return wide[0][1] if wide else None
        covering = [b for b in self._bureaus if case.region.code.startswith(b[0])]
        if not covering:
            return None
        return max(covering, key=lambda bureau: (len(bureau[0]), bureau[1]))[1]


def _address(case: Case) -> str:
    """Most specific to most general, as the spec asks."""
    if case.facility_id:
        facility = case.facility
        parts = [facility.name, facility.village, facility.town, facility.county]
    else:
        parts = [case.subject, case.region]
    return ", ".join(str(part) for part in parts if part)


def _coordinate(case: Case, field: str) -> float | None:
    value = getattr(case, field)
    if value is None and case.facility_id:
        value = getattr(case.facility, field)
    return float(value) if value is not None else None


def status_notes(case: Case) -> str:
    label, _tone = case_selectors.public_status(case)
    note = redact_phones(getattr(case, "public_note", None) or "").strip()
    return _(STATUS_WITH_NOTE) % {"status": label, "note": note} if note else str(label)


def service_notice(case: Case) -> str:
    return _(NOTICE) % {
        "accept": _local_date(case.accept_due_at),
        "resolve": _local_date(case.resolve_due_at),
        "number": case.display_tracking,
    }


def service_request(case: Case, agencies: Agencies) -> dict:
    """One case as a GeoReport v2 request, fields in the spec's order."""
    return {
        "service_request_id": format_tracking(case.tracking),
        "status": "open" if case.state in OPEN_STATES else "closed",
        "status_notes": status_notes(case),
        "service_name": case.case_type.label,
        "service_code": case.case_type.code,
        "description": redact_phones(case.description),
        "agency_responsible": agencies.responsible(case),
        "service_notice": service_notice(case),
        "requested_datetime": w3(case.submitted_at),
        "updated_datetime": w3(getattr(case, "public_updated_at", None) or case.submitted_at),
        "expected_datetime": w3(case.resolve_due_at),
        "address": _address(case),
        "address_id": case.facility.code if case.facility_id else None,
        "zipcode": None,
        "lat": _coordinate(case, "latitude"),
        "long": _coordinate(case, "longitude"),
        "media_url": None,
    }
