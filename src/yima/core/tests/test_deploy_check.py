"""Production settings pass `yima check --deploy` and a real response carries the security
headers: HTTPS redirect, HSTS, CSP, nosniff, frame denial, secure and HTTP-only cookies.

Each check runs yima in a subprocess with the environment an operator would set, so what is
tested is the settings module itself, not a test override of it.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest

SITE = "yima.example.gov.cn"


def production_env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIMA_", "DJANGO_"))}
    env.update(
        {
            "YIMA_HOME": str(tmp_path),
            "YIMA_DEBUG": "0",
            # 50 characters, many distinct ones: Django's W009 wants both.
            "YIMA_SECRET_KEY": secrets.token_urlsafe(50)[:50],
            "YIMA_BASE_URL": f"https://{SITE}",
            "YIMA_ALLOWED_HOSTS": SITE,
            "YIMA_CACHE_URL": "locmem://",
            **extra,
        }
    )
    return env


def run(args, env, timeout=180):
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run(
        [sys.executable, "-m", "yima.cli", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_about_debug_settings(tmp_path):
    """The check can fail: the same command complains when HTTPS hardening is off."""
    env = production_env(tmp_path, YIMA_BASE_URL=f"http://{SITE}")
    result = run(
        [sys.executable, "-m", "yima.cli", "check", "--deploy", "--fail-level", "WARNING"], env
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


PROBE = r"""
import json
import django
from django.conf import settings
django.setup()
# Static file names without `collectstatic`'s manifest (not what this probe is about).
static = settings.STORAGES["staticfiles"]
static["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client

host = "yima.example.gov.cn"
get_user_model().objects.create_user("probe", password="probe-pass-2026-x")
out = {}
c = Client(HTTP_HOST=host)
plain = c.get("/accounts/login/")
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
tls = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https", enforce_csrf_checks=False)
page = tls.get("/accounts/login/")
out["headers"] = dict(page.headers)
out["status"] = page.status_code
login = tls.post("/accounts/login/", {"username": "probe", "password": "probe-pass-2026-x"})
out["login_status"] = login.status_code
cookies = {}
for response in (page, login):
    for name, morsel in response.cookies.items():
        cookies[name] = {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "max_age": morsel["max-age"],
        }
out["cookies"] = cookies
docs = tls.get("/api/v1/docs")
out["docs"] = [docs.status_code, docs.headers.get("Content-Security-Policy", "")]
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    env = production_env(
        tmp_path_factory.mktemp("prod"),
        DJANGO_SETTINGS_MODULE="yima.settings",
        YIMA_SESSION_HOURS="8",
        YIMA_MAP_TILE_URL="https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY",
    )
    result = run([sys.executable, "-c", PROBE], env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("PROBE"))
    return json.loads(line[len("PROBE") :])


def test_plain_http_is_redirected_to_https(probe):
    status, location = probe["plain"]
    assert status == 301
    assert location == f"https://{SITE}/accounts/login/"


def test_pages_carry_the_security_headers(probe):
    headers = probe["headers"]
    assert probe["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["object-src"] == "'none'"
    # The map tiles' server, from YIMA_MAP_TILE_URL's {s} subdomains.
    assert csp["img-src"] == "'self' data: blob: https://*.tianditu.gov.cn"


def test_cookies_are_secure_http_only_and_expire(probe):
    assert probe["login_status"] == 302, "the probe user could not log in"
    cookies = probe["cookies"]
    assert cookies["csrftoken"]["secure"]
    session = cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["max_age"] == 8 * 3600  # YIMA_SESSION_HOURS


def test_api_docs_keep_the_strict_policy(probe):
    status, csp = probe["docs"]
    assert status == 200
    assert "script-src 'self';" in csp
