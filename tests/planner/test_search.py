"""least_passing: the least value at which a monotone test passes."""

from hypothesis import given
from hypothesis import strategies as st

from planner.search import least_passing


@given(low=st.integers(-50, 50), span=st.integers(0, 100), threshold=st.integers(-60, 160))
def test_it_finds_the_threshold_of_any_monotone_test(low, span, threshold):
    high = low + span
    asked = []

    def passes(n):
        asked.append(n)
        return n >= threshold

    found = least_passing(passes, low, high)

    expected = None if threshold > high else max(low, threshold)
    assert found == expected
    assert len(asked) <= span.bit_length() + 1


def test_an_empty_range_passes_nowhere():
    assert least_passing(lambda n: True, 5, 4) is None
