"""A report sent twice with the same client id (a double click, a retry after a dropped
connection) is one report; different ids are different reports. Service and web form."""

import re
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _

from yima.cases import ratelimit, services
from yima.cases.models import Case, CaseEvent
from yima.cases.tests.factories import file_case

NEW = reverse("cases:new")


# --- The service ---


def test_the_same_client_id_twice_files_one_report(world):
    client_id = uuid.uuid4()
    first = file_case(world, client_id=client_id)
    again = file_case(world, client_id=client_id)

    assert again.pk == first.pk and again.tracking == first.tracking
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=first).count() == 1  # one "submitted" step
    assert Case.objects.get().client_id == client_id


def test_different_client_ids_file_two_reports(world):
    first = file_case(world, client_id=uuid.uuid4())
    second = file_case(world, client_id=uuid.uuid4())
    assert first.pk != second.pk
    assert Case.objects.count() == 2


def test_reports_without_a_client_id_stay_separate(world):
    file_case(world)
    file_case(world)
    assert Case.objects.count() == 2
    assert list(Case.objects.values_list("client_id", flat=True)) == [None, None]


def test_a_retry_does_not_count_against_the_rate_limits(world, settings):
    settings.YIMA_CASE_LIMIT_PER_IP_HOUR = 2
    client_id = uuid.uuid4()
    first = file_case(world, client_id=client_id, client_ip="10.0.0.9")
    for _retry in range(3):
        assert file_case(world, client_id=client_id, client_ip="10.0.0.9").pk == first.pk
    # One report counted: a second, different report is still allowed, a third is not.
    file_case(world, client_id=uuid.uuid4(), client_ip="10.0.0.9")
    with pytest.raises(ratelimit.RateLimited):
        file_case(world, client_id=uuid.uuid4(), client_ip="10.0.0.9")
    # ... but a retry of one already filed is still answered with its report.
    assert file_case(world, client_id=client_id, client_ip="10.0.0.9").pk == first.pk


def test_a_client_id_used_for_another_facility_or_type_is_refused(world):
    client_id = uuid.uuid4()
    file_case(world, client_id=client_id)
    with pytest.raises(ValidationError) as exc:
        file_case(world, client_id=client_id, facility=world.facility_b)
    assert exc.value.message_dict == {"client_id": [_(services.CLIENT_ID_REUSED)]}
    with pytest.raises(ValidationError):
        file_case(world, client_id=client_id, code="odour")
    assert Case.objects.count() == 1


def test_losing_a_race_on_the_client_id_returns_the_winners_report(world, monkeypatch):
    """Both copies passed the lookup before either saved: the unique constraint decides."""
    client_id = uuid.uuid4()
    winner = file_case(world, client_id=client_id)
    real_existing = services._existing
    calls = []

    def blind_first_lookup(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real_existing(*args, **kwargs)

    monkeypatch.setattr(services, "_existing", blind_first_lookup)
    loser = file_case(world, client_id=client_id)

    assert loser.pk == winner.pk
    assert len(calls) == 2  # the fast path missed, the IntegrityError path found it
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_threads_sending_the_same_report_at_once_file_one(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent connections")
    client_id = uuid.uuid4()
    start = threading.Barrier(4)
    results, errors = [], []

    def send():
        try:
            start.wait()
            results.append(file_case(world, client_id=client_id).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert Case.objects.filter(client_id=client_id).count() == 1


# --- The public form ---


def _form_url(world, code="overflow") -> str:
    return f"{NEW}?facility={world.facility_a.code}&type={code}"


def _form_fields(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def _post(client, world, client_id, **extra):
    data = {
        "case_type": "overflow",
        "description": "井盖旁边有污水冒出来",
        "reporter_phone": "",
        "website": "",
        "seen": "",
        "client_id": client_id,
        **extra,
    }
    return client.post(_form_url(world), data)


def test_the_form_carries_a_fresh_client_id_each_time_it_is_shown(world, client):
    first = _form_fields(client.get(_form_url(world)).content.decode())
    second = _form_fields(client.get(_form_url(world)).content.decode())
    assert uuid.UUID(first["client_id"]) != uuid.UUID(second["client_id"])


def test_sending_the_form_twice_files_one_report_and_shows_its_page_both_times(world):
    client = Client()
    client_id = _form_fields(client.get(_form_url(world)).content.decode())["client_id"]

    first = _post(client, world, client_id)
    # The retry comes from a browser that never got the first answer (no session cookie) and
    # was never shown the first copy as a possible duplicate.
    again = _post(Client(), world, client_id)

    case = Case.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/cases/t/{case.tracking}/?filed=1"
    assert str(case.client_id) == client_id


def test_a_retry_goes_to_its_report_even_if_someone_else_reported_the_same_meanwhile(world):
    client = Client()
    client_id = _form_fields(client.get(_form_url(world)).content.decode())["client_id"]
    first = _post(client, world, client_id)
    file_case(world, client_id=uuid.uuid4())  # another person, same problem, same facility

    again = _post(Client(), world, client_id)

    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Case.objects.count() == 2


def test_forms_with_different_client_ids_file_two_reports(world):
    client = Client()
    page = client.get(_form_url(world)).content.decode()
    assert _post(client, world, _form_fields(page)["client_id"]).status_code == 302
    page = client.get(_form_url(world)).content.decode()
    fields = _form_fields(page)
    # The second form shows the first report as a possible duplicate; going on files another.
    response = _post(client, world, fields["client_id"], seen=fields["seen"])
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_a_form_whose_first_copy_failed_can_be_sent_again(world):
    client = Client()
    client_id = _form_fields(client.get(_form_url(world)).content.decode())["client_id"]
    refused = _post(client, world, client_id, description="")
    assert refused.status_code == 400
    assert f'value="{client_id}"' in refused.content.decode()  # the same id is kept
    assert _post(client, world, client_id).status_code == 302
    assert Case.objects.count() == 1
