"""`yima demo --no-serve`: sets up a working demo once, and keeps it on every later run."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from yima.accounts.models import User
from yima.facilities import demo
from yima.facilities.models import Facility


@pytest.fixture
def run(db, settings, tmp_path):
    settings.YIMA_HOME = tmp_path / "home"

    def run_demo(**options) -> str:
        out = StringIO()
        with translation.override("en"):
            call_command("demo", no_serve=True, stdout=out, **options)
        return out.getvalue()

    return run_demo


def test_first_run_loads_the_demo_and_prints_the_logins(run, settings):
    output = run(facilities=40)

    assert settings.YIMA_HOME.is_dir()
    assert Facility.objects.count() == 40
    assert "Loaded 40 facilities" in output
    for username in ("admin", "shiju", "nanchangxian", "yunwei1", "yunwei2", "yunwei3"):
        assert username in output
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)
    assert demo.DEMO_PASSWORD in output
    assert User.objects.get(username="admin").is_superuser


def test_demo_users_see_their_own_share(run):
    run(facilities=40)

    def visible(username):
        return Facility.objects.visible_to(User.objects.get(username=username)).count()

    assert visible("shiju") == 40
    assert visible("nanchangxian") == Facility.objects.filter(county__code="360121000000").count()
    contractors = [visible(f"yunwei{n}") for n in (1, 2, 3)]
    assert sum(contractors) == 40
    assert not Facility.objects.editable_by(User.objects.get(username="yunwei1")).exists()


def test_second_run_keeps_the_data_and_the_users(run):
    run(facilities=40)
    codes = set(Facility.objects.values_list("code", flat=True))
    users = User.objects.count()

    output = run(facilities=40, seed=99)

    assert "keeping the existing data" in output
    assert set(Facility.objects.values_list("code", flat=True)) == codes
    assert User.objects.count() == users


def test_existing_user_keeps_a_changed_password(run):
    run(facilities=10)
    admin = User.objects.get(username="admin")
    admin.set_password("a-private-password-42")
    admin.save()

    run(facilities=10)

    assert User.objects.get(username="admin").check_password("a-private-password-42")
