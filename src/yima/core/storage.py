"""Where uploaded files live: the folders under YIMA_HOME by default, or S3-compatible object
storage (`YIMA_STORAGE=s3`, django-storages) when several servers share the work.

Settings name three stores in STORAGES: `default` (public photo copies, ledger workbooks,
label PDFs), `private` (inspection photo originals with their location) and `case_photos`
(reporters' photos). On S3 all three are private objects (no public ACL, signed URLs); the
private ones are only ever read through yima's staff views.
"""

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.utils.functional import LazyObject, empty

_aliases: list["StorageAlias"] = []


class StorageAlias(LazyObject):
    """The store named `alias` in settings.STORAGES, looked up on first use (and again after
    a test changes STORAGES), so a model field's storage follows the settings."""

    def __init__(self, alias: str):
        super().__init__()
        self.__dict__["_alias"] = alias
        _aliases.append(self)

    def _setup(self):
        self._wrapped = storages[self.__dict__["_alias"]]


def _reset(*, setting, **kwargs):
    if setting == "STORAGES":
        for alias in _aliases:
            alias._wrapped = empty


setting_changed.connect(_reset)


@contextlib.contextmanager
def local_path(field_file) -> Iterator[str]:
    """A path on this machine for a stored file: the file itself on the filesystem store, a
    temporary copy when it lives in object storage (the worker may be another machine)."""
    try:
        path = field_file.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    suffix = Path(field_file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with field_file.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        field_file.close()
        yield tmp.name
