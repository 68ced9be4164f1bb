"""The feed's content lines are folded to the very bytes icalendar's own folding gives."""

from hypothesis import example, given
from hypothesis import strategies as st
from icalendar.parser import content_line

from roadmaps.calendar import folding

ORIGINAL = content_line._foldline.original
fold = folding.make_fold(ORIGINAL)

# Text as feeds carry it: mostly ASCII, with escapes, carets and some wider characters.
ALPHABET = st.sampled_from(list("abc ;,:=\\^\"'-") + ["é", "ß", "€", "日", "😀"])


def test_it_is_installed_at_start_up():
    assert content_line._foldline.original is ORIGINAL


@given(st.text(alphabet=ALPHABET, max_size=400))
@example("x" * 73 + "\\" + "n" * 10)  # an escape that would be cut in two
@example("x" * 73 + "^" + "n" * 200)
@example("x" * 74)
@example("x" * 75)
@example("")
def test_it_folds_any_line_as_icalendar_does(line):
    assert fold(line) == ORIGINAL(line)


@given(st.text(alphabet=ALPHABET, max_size=120), st.integers(min_value=2, max_value=80))
def test_it_folds_at_any_width_as_icalendar_does(line, limit):
    assert fold(line, limit) == ORIGINAL(line, limit)


def test_a_long_ascii_line_is_cut_before_the_escape_not_inside_it():
    line = "D" * 73 + "\\,tail"

    assert fold(line) == "D" * 73 + "\r\n \\,tail"
