"""Whole numbers read from what a request carries (a query string, a form, a JSON body)."""

# Fits a 64-bit integer column, so a lookup never overflows the database's.
MAX_ID_DIGITS = 18


def parse_id(text) -> int | None:
    """The number `text` writes in ASCII digits (at most 18 of them), or None.

    `str.isdigit()` alone also passes "²" and "①", which `int()` refuses, and `int()` alone
    takes signs, spaces, underscores and other scripts' digits.
    """
    if not isinstance(text, str) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text) if text.isascii() and text.isdigit() else None
