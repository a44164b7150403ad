"""Django's file cache, checking for culling on one set() in a hundred instead of every one."""

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
