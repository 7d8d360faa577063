"""Counts in messages: "1 order", never "1 orders"."""

from hypothesis import given, strategies as st

from pos.base.words import counted, plural_of


def test_regular_and_irregular_plurals():
    assert counted(1, "order") == "1 order"
    assert counted(0, "order") == "0 orders"
    assert counted(2, "entry") == "2 entries"
    assert counted(2, "day") == "2 days"
    assert counted(3, "box") == "3 boxes"
    assert counted(1, "person", "people") == "1 person"
    assert counted(4, "person", "people") == "4 people"
    assert counted(1234, "item") == "1,234 items"


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["order", "entry", "tip", "delivery", "pass"]))
def test_one_is_singular_and_others_plural(count, noun):
    text = counted(count, noun)
    assert text.endswith(noun if count == 1 else plural_of(noun))
    assert text.replace(",", "").startswith(str(count) + " ")


def test_things_listed_in_a_sentence() -> None:
    from pos.base.words import are, listed

    assert [listed(names) for names in ([], ["Alice"], ["Alice", "Bob"], ["Alice", "Bob", "Dave"])] == [
        "", "Alice", "Alice and Bob", "Alice, Bob and Dave"]
    assert (are(["Alice"]), are(["Alice", "Bob"])) == ("Alice is", "Alice and Bob are")
