"""Test settings: yima.settings plus speed knobs (fast hashing, in-process tasks, local cache)."""

import os

os.environ.setdefault("YIMA_DEBUG", "1")
os.environ.setdefault("YIMA_TASK_BACKEND", "immediate")
os.environ.setdefault("YIMA_CACHE_URL", "locmem://")

from yima.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# Parallel runs on one PostgreSQL server (e.g. several developers' sessions) need their own
# test database: YIMA_TEST_DB_SUFFIX picks one.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": "test_yima_" + os.environ.get("YIMA_TEST_DB_SUFFIX", "main")
    }
