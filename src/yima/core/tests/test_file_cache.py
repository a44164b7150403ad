from yima.core.cache import FileCache


def test_the_file_cache_still_culls_past_its_limit(tmp_path):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    for i in range(1000):
        cache.set(f"key-{i}", i)
    kept = len(list(tmp_path.glob("*.djcache")))
    assert kept <= 10 + FileCache.CULL_EVERY
    assert cache.get("key-999") == 999


def test_the_file_cache_does_not_list_its_folder_on_every_set(tmp_path, monkeypatch):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    listings = []
    original = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: listings.append(1) or original())
    for i in range(300):
        cache.set(f"key-{i}", i)
    assert 1 <= len(listings) <= 3


def test_forgetting_many_keys_removes_exactly_the_cached_ones(tmp_path, monkeypatch):
    """Above LIST_ABOVE keys the folder is listed once; the result is the same as key by key:
    every named key is gone, every other entry stays, keys never cached are no error."""
    monkeypatch.setattr(FileCache, "LIST_ABOVE", 5)
    for many in (False, True):
        folder = tmp_path / str(many)
        cache = FileCache(str(folder), {})
        for i in range(20):
            cache.set(f"page:{i}", i)
        named = [f"page:{i}" for i in range(0, 20, 2)] + [f"never:{i}" for i in range(30)]
        cache.delete_many(named if many else named[:5])
        gone = range(0, 20, 2) if many else range(0, 10, 2)
        for i in range(20):
            assert cache.get(f"page:{i}") == (None if i in gone else i), (many, i)
    FileCache(str(tmp_path / "missing"), {}).delete_many([f"k{i}" for i in range(10)])
