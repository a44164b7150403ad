"""Batch printing for staff: choose with the ledger's filters or a list of codes, download small
batches at once, run large ones in the background with a progress page."""

import pypdfium2
import pytest

from yima.scan.choices import JobStatus
from yima.scan.models import Label, LabelJob


def texts(data: bytes) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(data))


def pdf_of(response) -> bytes:
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_anonymous_is_sent_to_login(client, world):
    assert client.get("/labels/")["Location"].startswith("/accounts/login/")
    assert client.post("/labels/print/", {"layout": "sign"}).status_code == 302


def test_user_without_organisation_is_refused(client_for, world):
    assert client_for("stranger").get("/labels/").status_code == 403
    assert client_for("stranger").post("/labels/print/", {"layout": "sign"}).status_code == 403


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("regulator", 2), ("county_regulator", 1), ("operator", 1), ("other_operator", 1)],
)
def test_each_persona_counts_only_what_they_can_see(client_for, world, persona, visible):
    response = client_for(persona).get("/labels/")
    assert response.context["count"] == visible


def test_ledger_filters_select_the_batch(client_for, world, more_facilities):
    more_facilities(3)
    client = client_for("regulator")
    assert client.get("/labels/", {"county": "360124000000"}).context["count"] == 1
    assert client.get("/labels/", {"contractor": world.contractor_a.pk}).context["count"] == 4
    assert client.get("/labels/", {"status": "suspended"}).context["count"] == 0


def test_typed_codes_select_the_batch_and_bad_ones_are_named(client_for, world):
    typed = f"{world.facility_a.display_code.lower()}, 12345"
    response = client_for("regulator").get("/labels/", {"codes": typed})
    assert response.context["count"] == 1
    assert "12345" in response.content.decode()


def test_codes_outside_scope_are_not_printed(client_for, world):
    response = client_for("operator").get("/labels/", {"codes": world.facility_b.code})
    assert response.context["count"] == 0


def test_small_batch_downloads_at_once_and_issues_labels(client_for, world):
    response = client_for("county_regulator").post(
        "/labels/print/", {"layout": "sheet", "query": "county=360121000000"}
    )
    assert response.status_code == 200
    text = texts(pdf_of(response))
    assert world.facility_a.display_code[:12] in text
    assert world.facility_b.display_code[:12] not in text
    label = Label.objects.get()
    assert (label.facility, label.serial, label.issued_by) == (
        world.facility_a,
        1,
        world.county_regulator,
    )


def test_empty_selection_says_so(client_for, world):
    response = client_for("regulator").post(
        "/labels/print/", {"layout": "sign", "query": "status=suspended"}, follow=True
    )
    assert "没有符合条件的设施" in response.content.decode()


def test_large_batch_runs_in_the_background_with_progress(
    client_for, world, more_facilities, settings, django_capture_on_commit_callbacks
):
    settings.YIMA_LABEL_SYNC_LIMIT = 3
    more_facilities(4)
    client = client_for("operator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/labels/print/", {"layout": "sign", "query": ""})
    job = LabelJob.objects.get()
    assert response["Location"] == f"/labels/jobs/{job.pk}/"
    assert (job.status, job.total, job.done, job.requested_by) == (
        JobStatus.DONE,
        5,
        5,
        world.operator,
    )
    page = client.get(f"/labels/jobs/{job.pk}/").content.decode()
    assert "已生成：5 个设施" in page and "vendor/htmx.min.js" in page
    data = pdf_of(client.get(f"/labels/jobs/{job.pk}/download/"))
    assert len(pypdfium2.PdfDocument(data)) == 5, "one A4 sign per facility"


def test_running_job_page_polls_for_progress(client_for, world):
    job = LabelJob.objects.create(
        requested_by=world.operator,
        layout="sign",
        facility_ids=[world.facility_a.pk],
        total=300,
        done=75,
        status=JobStatus.RUNNING,
    )
    fragment = client_for("operator").get(f"/labels/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert 'value="75" max="300"' in fragment
    assert client_for("operator").get(f"/labels/jobs/{job.pk}/download/").status_code == 404


def test_a_job_is_visible_only_to_who_asked_for_it(client_for, world):
    job = LabelJob.objects.create(
        requested_by=world.operator, layout="sign", facility_ids=[world.facility_a.pk], total=1
    )
    for persona in ("other_operator", "regulator"):
        assert client_for(persona).get(f"/labels/jobs/{job.pk}/").status_code == 404
        assert client_for(persona).get(f"/labels/jobs/{job.pk}/download/").status_code == 404


def test_a_failed_job_says_why(world, monkeypatch):
    from yima.scan import services

    job = LabelJob.objects.create(
        requested_by=world.operator, layout="sign", facility_ids=[world.facility_a.pk], total=1
    )

    def broken(**kwargs):
        raise RuntimeError("YIMA_CJK_FONT missing")

    monkeypatch.setattr(services, "labels_render", broken)
    services.label_job_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "YIMA_CJK_FONT" in job.error
