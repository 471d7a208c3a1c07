"""Quote-aware splitting of one definition line.

Sits at the bottom of ``definition/``: ``parser.py`` and ``types.py`` use it to
cut a line at ``#``, ``:``, ``=`` or ``,`` without being fooled by the same
characters inside a quoted default or an enum member (``= "a#b"``,
``enum('x:y')``). Pure text; errors carry no location, the caller adds it.
"""

from __future__ import annotations

import functools
import re

from joinery.errors import DataJointError

QUOTES = "'\""


@functools.lru_cache(maxsize=16)
def _scanner(targets: str) -> re.Pattern[str]:
    """A pattern that steps over quoted runs and stops at a target or a lone quote.

    A doubled quote inside a string (``'it''s'``) reads as two adjacent quoted
    runs, which is what SQL means by it, so no escape handling is needed.
    """
    return re.compile(r"'[^']*'|\"[^\"]*\"|(?P<lone>['\"])|(?P<hit>[" + re.escape(targets) + "])")


def find_unquoted(text: str, targets: str) -> int:
    """Return the index of the first character of ``targets`` outside quotes, or -1.

    Raises DataJointError if a quote opened before that point is never closed.

    >>> find_unquoted("a = 'x#y' # note", "#")
    10
    """
    for match in _scanner(targets).finditer(text):
        if match.group("lone"):
            raise DataJointError(
                f"unterminated quote {match.group('lone')} at `{text[match.start() :]}`: "
                "close the quoted string with the same quote character"
            )
        if match.group("hit"):
            return match.start()
    return -1


def split_unquoted(text: str, separator: str) -> tuple[str, str | None]:
    """Split ``text`` at the first unquoted ``separator``.

    Returns ``(before, after)``, or ``(text, None)`` when there is no separator.

    >>> split_unquoted("x = 'a:b' : varchar(8)", ":")
    ("x = 'a:b' ", ' varchar(8)')
    """
    position = find_unquoted(text, separator)
    if position < 0:
        return text, None
    return text[:position], text[position + 1 :]


def split_list(text: str, separator: str = ",") -> list[str]:
    """Split ``text`` at every unquoted ``separator``; parts are stripped.

    >>> split_list("'a', 'b,c' ,'d'")
    ["'a'", "'b,c'", "'d'"]
    """
    parts = []
    rest: str | None = text
    while rest is not None:
        part, rest = split_unquoted(rest, separator)
        parts.append(part.strip())
    return parts


def unquote(token: str) -> str | None:
    """Return the content of one quoted SQL string, or None if ``token`` is not one.

    Doubled quotes inside the string stand for one quote character.

    >>> unquote("'it''s'")
    "it's"
    >>> unquote("abc") is None
    True
    """
    if len(token) < 2 or token[0] not in QUOTES or token[-1] != token[0]:
        return None
    quote = token[0]
    body = token[1:-1]
    if quote in body.replace(quote * 2, ""):
        return None
    return body.replace(quote * 2, quote)


__all__ = ["QUOTES", "find_unquoted", "split_list", "split_unquoted", "unquote"]
