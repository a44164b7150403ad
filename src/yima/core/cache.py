"""Django's file cache, checking for culling on one set() in a hundred instead of every one, and
forgetting many keys with one listing of its folder."""

import os

from django.core.cache.backends.filebased import FileBasedCache


class FileCache(FileBasedCache):
    """FileBasedCache lists its whole folder on every set() to decide whether to cull. With tens
    of thousands of entries (a province's scan pages and QR matrices) that listing costs more
    than the work being cached: a 10,000-label batch spent most of its time there
    (docs/performance.md). Checking on one set() in CULL_EVERY keeps the same bound, give or
    take CULL_EVERY entries."""

    CULL_EVERY = 100

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._sets_since_cull = 0

    def _cull(self):
        self._sets_since_cull += 1
        if self._sets_since_cull < self.CULL_EVERY:
            return
        self._sets_since_cull = 0
        super()._cull()

    # delete_many() of more keys than this lists the folder once instead of trying to remove a
    # file per key.
    LIST_ABOVE = 1000

    def delete_many(self, keys, version=None):
        """Forget these keys. An import that updates 100,000 facilities forgets 200,000 public
        pages (two languages), of which few were ever cached: one failed unlink per key cost
        more than a tenth of such an import. Above LIST_ABOVE keys the folder is listed once and
        only the files in it are removed. (A page cached while this runs may survive it, as it
        may survive Django's own key-by-key delete: callers that race a render invalidate again
        after commit.)"""
        keys = list(keys)
        if len(keys) <= self.LIST_ABOVE:
            return super().delete_many(keys, version=version)
        try:
            present = set(os.listdir(self._dir))
        except FileNotFoundError:
            return
        for key in keys:
            path = self._key_to_file(key, version)
            if os.path.basename(path) in present:
                self._delete(path)
