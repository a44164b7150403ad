"""The upload page and the job page: who may import, the background job, its result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yima.facilities.models import Facility, ImportJob
from yima.facilities.tasks import progress_key
from yima.facilities.tests.test_import_service import new_row, workbook

pytestmark = pytest.mark.django_db

URL = "/ledger/import/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(tmp_path, rows, name="台账.xlsx"):
    return SimpleUploadedFile(name, workbook(tmp_path, rows).read_bytes())


def post(client, tmp_path, rows, action="check", capture=None, **extra):
    data = {"file": upload(tmp_path, rows), "action": action, **extra}
    with capture(execute=True):
        return client.post(URL, data)


def test_urls_are_named():
    assert reverse("facilities:import") == URL
    assert reverse("facilities:import_job", args=[7]) == "/ledger/import/7/"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("regulator", 200),
        ("county_regulator", 200),
        ("operator", 403),
        ("other_operator", 403),
        ("stranger", 403),
    ],
)
def test_upload_page_is_for_regulators_only(client_for, persona, status):
    assert client_for(persona).get(URL).status_code == status


def test_anonymous_visitor_is_sent_to_login(client_for):
    response = client_for("public").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_operator_cannot_upload(client_for, tmp_path, django_capture_on_commit_callbacks):
    response = post(
        client_for("operator"), tmp_path, [new_row()], capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_check_then_import_the_same_file(
    world, client_for, tmp_path, settings, django_capture_on_commit_callbacks
):
    client = client_for("regulator")
    response = post(
        client, tmp_path, [new_row()], capture=django_capture_on_commit_callbacks, reason="普查"
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:import_job", args=[job.pk])
    assert (job.status, job.dry_run, job.created_by, job.reason) == (
        "done",
        True,
        world.regulator,
        "普查",
    )
    assert (job.total_rows, job.created_count, job.updated_count, job.errors) == (1, 1, 0, [])
    assert job.file.name.startswith("imports/")
    assert (settings.MEDIA_ROOT / job.file.name).exists()
    assert Facility.objects.count() == 2

    page = client.get(response["Location"]).content.decode()
    assert "所有行均有效，尚未写入任何内容。" in page
    assert "塘头村污水处理站" in page
    assert "hx-trigger" not in page

    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("facilities:import_job_apply", args=[job.pk]))
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert applied["Location"] == reverse("facilities:import_job", args=[real.pk])
    assert (real.status, real.dry_run, real.created_count, real.file.name) == (
        "done",
        False,
        1,
        job.file.name,
    )
    facility = Facility.objects.get(name="塘头村污水处理站")
    assert facility.history.get().history_change_reason == "普查"
    page = client.get(applied["Location"]).content.decode()
    assert "导入完成。" in page
    assert facility.display_code in page


def test_row_errors_are_listed_on_the_job_page(
    world, client_for, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for("county_regulator")
    rows = [
        new_row(),
        new_row(建成年份="去年"),
        new_row(区县="进贤县", 乡镇="民和镇", 行政村="李渡村", 经度=116.24, 纬度=28.38),
    ]
    response = post(
        client, tmp_path, rows, action="import", capture=django_capture_on_commit_callbacks
    )

    job = ImportJob.objects.get()
    assert (job.status, job.dry_run, len(job.errors)) == ("done", False, 2)
    page = client.get(response["Location"]).content.decode()
    assert "发现 2 处问题，未写入任何内容。" in page
    assert "第 3 行" in page and "“去年”不是年份" in page
    assert "第 4 行" in page and "进贤县民和镇不在您的管辖范围内。" in page
    assert Facility.objects.count() == 2
    assert "确认导入此工作簿" not in page


def test_a_running_job_polls_and_shows_its_progress(world, client_for, tmp_path):
    from django.core.cache import cache

    job = ImportJob.objects.create(
        created_by=world.regulator,
        original_name="大表.xlsx",
        status="running",
        file="imports/x.xlsx",
    )
    cache.set(progress_key(job.pk), {"phase": "reading", "done": 3000, "total": 100000})
    client = client_for("regulator")

    full = client.get(reverse("facilities:import_job", args=[job.pk])).content.decode()
    part = client.get(
        reverse("facilities:import_job", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()

    assert "htmx.min.js" in full
    assert 'hx-trigger="every 1s"' in part and "<html" not in part
    assert "正在检查：3000 / 约 100000 行" in part


def test_another_users_job_is_not_found(world, client_for):
    job = ImportJob.objects.create(
        created_by=world.regulator, original_name="a.xlsx", status="done", file="imports/a.xlsx"
    )
    url = reverse("facilities:import_job", args=[job.pk])
    assert client_for("county_regulator").get(url).status_code == 404
    assert client_for("operator").get(url).status_code == 404
    assert client_for("regulator").get(url).status_code == 200
    admin = client_for("regulator")
    admin.force_login(world.admin)
    assert admin.get(url).status_code == 200


def test_another_users_check_cannot_be_applied(world, client_for):
    job = ImportJob.objects.create(
        created_by=world.regulator,
        original_name="a.xlsx",
        status="done",
        dry_run=True,
        created_count=1,
        file="imports/a.xlsx",
    )
    response = client_for("county_regulator").post(
        reverse("facilities:import_job_apply", args=[job.pk])
    )
    assert response.status_code == 404
    assert ImportJob.objects.count() == 1


def test_only_excel_files_are_accepted(client_for, tmp_path, django_capture_on_commit_callbacks):
    client = client_for("regulator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"file": SimpleUploadedFile("a.csv", b"a,b"), "action": "check"}
        )
    assert response.status_code == 200
    assert "请上传 Excel 工作簿（.xlsx）。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_page_lists_my_recent_imports(world, client_for):
    ImportJob.objects.create(
        created_by=world.regulator, original_name="mine.xlsx", status="done", file="imports/m.xlsx"
    )
    ImportJob.objects.create(
        created_by=world.county_regulator,
        original_name="theirs.xlsx",
        status="done",
        file="imports/t.xlsx",
    )
    page = client_for("regulator").get(URL).content.decode()
    assert "mine.xlsx" in page and "theirs.xlsx" not in page
