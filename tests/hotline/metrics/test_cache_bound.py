"""The metrics' kept values are bounded in entries (#17: a long-running panel's memory): a closed
hour adds entries every hour, a past day one a day, so the stores fill up to their bound and stay
under it — the newest half kept."""

from __future__ import annotations

from hotline.metrics import cache


def test_a_store_never_holds_more_than_its_bound() -> None:
    store = cache.Cache(10)
    sizes = []
    for n in range(1000):  # a year of hours and days, squeezed
        store.put(("db", "team", n), (n, None), {"calls": n})
        sizes.append(len(store.keys()))
    assert max(sizes) == 10 and min(sizes[10:]) >= 5
    kept = [k[2] for k in store.keys()]
    assert 999 in kept and all(n > 1000 - 11 for n in kept)  # the newest, never the oldest

