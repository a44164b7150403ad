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
