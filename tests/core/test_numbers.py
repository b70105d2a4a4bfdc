"""Whole numbers read from requests: ASCII digits only, within a 64-bit column."""

import pytest

from core.numbers import parse_id


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("42", 42), ("9" * 18, int("9" * 18))])
def test_ascii_digits_are_read(text, number):
    assert parse_id(text) == number


@pytest.mark.parametrize(
    "text",
    ["", "²", "①", "¹²", "٣", "-1", "+1", " 1", "1_000", "1.0", "1e3", "9" * 19, None, 12, ["1"]],
)
def test_anything_else_is_none(text):
    assert parse_id(text) is None
