"""Settings come from YIMA_* variables and fail loudly, naming the variable, on bad values."""

import os
import subprocess
import sys

import pytest


def load_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YIMA_", "DJANGO_"))}
    clean.update({"YIMA_HOME": str(tmp_path), **env})
    code = (
        "import yima.settings as s, json;"
        "print(json.dumps([s.DEBUG, s.DATABASES['default']['ENGINE'], s.LANGUAGE_CODE,"
        " s.BASE_URL, s.ALLOWED_HOSTS, s.TASKS['default']['BACKEND']]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "YIMA_SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YIMA_DEBUG", "maybe"),
        ("YIMA_DATABASE_URL", "mysql://root@localhost/yima"),
        ("YIMA_LANGUAGE", "fr"),
        ("YIMA_PAGE_SIZE", "many"),
        ("YIMA_TASK_BACKEND", "celery"),
        ("YIMA_CACHE_URL", "memcached://x"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path, name, value):
    env = {"YIMA_DEBUG": "1", name: value}
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert name in result.stderr


def test_defaults_are_the_embedded_setup(tmp_path):
    result = load_settings(tmp_path, YIMA_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"django.db.backends.sqlite3", "zh-hans"' in result.stdout
    assert "django_tasks_db.DatabaseBackend" in result.stdout
    assert (tmp_path).is_dir()


def test_production_values_are_read(tmp_path):
    result = load_settings(
        tmp_path,
        YIMA_SECRET_KEY="x" * 50,
        YIMA_DATABASE_URL="postgres://yima:pw@db:5432/yima",
        YIMA_BASE_URL="https://yima.example.gov.cn/",
        YIMA_ALLOWED_HOSTS="yima.example.gov.cn, www.yima.example.gov.cn",
        YIMA_LANGUAGE="en",
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout
    assert '"https://yima.example.gov.cn"' in result.stdout
    assert '["yima.example.gov.cn", "www.yima.example.gov.cn"]' in result.stdout
    assert "false" in result.stdout.split(",")[0]
