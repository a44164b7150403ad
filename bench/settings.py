"""Settings for the benchmark server: yima's own settings plus the floor's URL.

The scan benchmark serves `gunicorn yima.wsgi` with DJANGO_SETTINGS_MODULE=bench.settings, so
the page under test and the constant floor view run in the same processes, behind the same
middleware, with the same database and cache. Nothing else differs from yima.settings.
"""

from yima.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
