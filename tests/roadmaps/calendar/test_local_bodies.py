"""The gzipped bodies a worker keeps in memory: bounded by bytes, the ones used last kept."""

from roadmaps.calendar.api import LocalBodies


def test_a_body_is_served_only_for_the_etag_it_was_kept_with():
    bodies = LocalBodies(max_bytes=100)
    bodies.put("feed", '"v1"', b"x" * 10)

    assert bodies.get("feed", '"v1"') == b"x" * 10
    assert bodies.get("feed", '"v2"') is None


def test_it_keeps_as_many_feeds_as_fit_in_its_bytes_however_many_that_is():
    bodies = LocalBodies(max_bytes=1000)

    for number in range(300):
        bodies.put(f"feed-{number}", '"v"', b"x" * 3)

    # 300 feeds of 3 bytes: all of them, where a store of a fixed count of feeds would have dropped some.
    assert all(f"feed-{number}" in bodies for number in range(300))
    assert bodies.held_bytes == 900


def test_past_its_bytes_it_drops_the_feeds_used_least_recently():
    bodies = LocalBodies(max_bytes=30)
    for name in ("a", "b", "c"):
        bodies.put(name, '"v"', b"x" * 10)
    bodies.get("a", '"v"')  # used: now the most recent

    bodies.put("d", '"v"', b"x" * 10)

    assert "b" not in bodies
    assert {"a", "c", "d"} == {name for name in "abcd" if name in bodies}
    assert bodies.held_bytes == 30


def test_a_new_version_replaces_the_old_one_and_its_bytes():
    bodies = LocalBodies(max_bytes=100)
    bodies.put("feed", '"v1"', b"x" * 40)

    bodies.put("feed", '"v2"', b"y" * 50)

    assert bodies.get("feed", '"v2"') == b"y" * 50
    assert bodies.held_bytes == 50


def test_a_body_larger_than_the_bound_is_still_kept_alone():
    bodies = LocalBodies(max_bytes=10)
    bodies.put("small", '"v"', b"x" * 5)

    bodies.put("large", '"v"', b"x" * 50)

    assert "large" in bodies and "small" not in bodies
    assert bodies.held_bytes == 50
