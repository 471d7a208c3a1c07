"""Definition text -> :class:`TableSpec`, line by line.

Top of ``definition/`` (pure, no database): the declaring layer calls
:func:`parse_definition` with a class's ``definition`` string, then resolves the
foreign keys it returns and hands the spec to ``sql/ddl.py``. Each line is one
of: the table comment, a comment, the ``---`` separator, a foreign key
(``-> Parent``), an index, or an attribute (``name [= default] : type [#
comment]``). Type text goes to ``types.py``; quoting rules live in ``scan.py``.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import TypeAlias

from joinery.definition.scan import split_list, split_unquoted, unquote
from joinery.definition.spec import AttributeSpec, ForeignKeySpec, IndexSpec, TableSpec, TypeSpec
from joinery.definition.types import parse_type
from joinery.errors import DataJointError

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SEPARATOR = re.compile(r"-{3,}")
_IS_INDEX = re.compile(r"(unique\s+index\b|index\s*\()", re.IGNORECASE)
_INDEX = re.compile(r"(?P<unique>unique\s+)?index\s*\((?P<args>[^()]*)\)", re.IGNORECASE)
_FOREIGN_KEY = re.compile(r"->\s*(?:\[(?P<options>[^\]]*)\]\s*)?(?P<reference>.*)", re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NOW = re.compile(r"current_timestamp(?:\s*\(\s*(?P<fraction>\d)\s*\))?", re.IGNORECASE)
_BARE_WORD = re.compile(r"[A-Za-z_][\w.-]*")
_FOREIGN_KEY_OPTIONS = ("nullable", "unique")
_NO_DEFAULT_CATEGORIES = ("blob", "bytes", "codec")
_LINE_FORMAT = "`name [= default] : type [# comment]`"

Item: TypeAlias = "AttributeSpec | ForeignKeySpec | IndexSpec"


@functools.lru_cache(maxsize=512)
def parse_definition(text: str, table: str = "") -> TableSpec:
    """Parse a DataJoint table ``definition`` string into a :class:`TableSpec`.

    ``table`` (the class name) only makes error messages clearer. Line numbers,
    in specs and errors, count from the first non-blank line of ``text`` as 1.
    Raises DataJointError naming the table, the line and what to change.

    >>> spec = parse_definition('''
    ...     # a session
    ...     -> Subject
    ...     session : int16
    ...     ---
    ...     note = "" : varchar(255)
    ... ''')
    >>> spec.comment, [a.name for a in spec.attributes], spec.foreign_keys[0].reference
    ('a session', ['session', 'note'], 'Subject')
    """
    lines = text.splitlines()
    first = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
    comment = ""
    in_key = True
    items: list[AttributeSpec | ForeignKeySpec] = []
    indexes: list[IndexSpec] = []
    declared: dict[str, int] = {}
    for number, raw in enumerate(lines[first:], start=1):
        line = raw.strip()
        try:
            if number == 1 and line.startswith("#"):
                comment = _table_comment(line)
                continue
            if _SEPARATOR.match(line):
                in_key = False
                continue
            item = _parse_line(line, number, in_key)
            if isinstance(item, IndexSpec):
                indexes.append(item)
            elif item is not None:
                _check_unique_name(item, declared)
                items.append(item)
        except DataJointError as error:
            raise DataJointError(f"{_where(table, number, line)}: {error}") from None
    return TableSpec(comment=comment, items=tuple(items), indexes=tuple(indexes))


def _where(table: str, number: int, line: str) -> str:
    """The location prefix of an error message."""
    prefix = f"Table `{table}`, line" if table else "Definition line"
    return f"{prefix} {number} `{line}`"


def _table_comment(line: str) -> str:
    """The text of the first line's ``# comment``, which becomes the table comment."""
    comment = line[1:].strip()
    if comment.startswith(":"):
        raise DataJointError("the table comment must not start with `:`; reword it")
    return comment


def _check_unique_name(item: AttributeSpec | ForeignKeySpec, declared: dict[str, int]) -> None:
    """Refuse a second attribute of the same name, which is always a typo."""
    if not isinstance(item, AttributeSpec):
        return
    if item.name in declared:
        raise DataJointError(
            f"attribute `{item.name}` is already declared on line {declared[item.name]}; "
            "rename one of them or remove the duplicate"
        )
    declared[item.name] = item.line


def _parse_line(line: str, number: int, in_key: bool) -> Item | None:
    """One non-separator line -> its item, or None for a blank or comment line."""
    if not line or line.startswith("#"):
        return None
    if line.startswith("->"):
        return _foreign_key(line, number, in_key)
    if _IS_INDEX.match(line):
        return _index(line, number)
    return _attribute(line, number, in_key)


def _foreign_key(line: str, number: int, in_key: bool) -> ForeignKeySpec:
    """Parse ``-> [options] Reference [# comment]``; the reference stays text."""
    code, _comment = split_unquoted(line, "#")
    match = _FOREIGN_KEY.fullmatch(code.strip())
    if match is None or match.group("reference").startswith("["):
        raise DataJointError("unclosed `[` in the foreign key options: write `-> [nullable, unique] Parent`")
    options = _foreign_key_options(match.group("options"))
    reference = match.group("reference").strip()
    _check_reference(reference)
    if "nullable" in options and in_key:
        raise DataJointError(
            "a foreign key in the primary key cannot be nullable: move the line below `---` "
            "or drop the `nullable` option"
        )
    return ForeignKeySpec(
        reference=reference,
        in_key=in_key,
        nullable="nullable" in options,
        unique="unique" in options,
        line=number,
        text=line,
    )


def _foreign_key_options(text: str | None) -> frozenset[str]:
    """The ``[nullable, unique]`` options, lower-cased and checked."""
    if text is None:
        return frozenset()
    options = [option.lower() for option in split_list(text)]
    for option in options:
        if option not in _FOREIGN_KEY_OPTIONS:
            shown = f"`{option}`" if option else "an empty option"
            raise DataJointError(
                f"unknown foreign key option {shown}: the options are `nullable` and `unique`, "
                "e.g. `-> [nullable, unique] Parent`"
            )
    return frozenset(options)


def _check_reference(reference: str) -> None:
    """Refuse a reference that is not a Python expression such as ``module.Parent``."""
    if not reference:
        raise DataJointError("the parent table is missing after `->`: write `-> Parent`")
    try:
        ast.parse(reference, mode="eval")
    except SyntaxError:
        raise DataJointError(
            f"`{reference}` is not a table reference: write `Parent`, `module.Parent`, "
            "`master` or `Parent.proj(new_name='old_name')`"
        ) from None


def _index(line: str, number: int) -> IndexSpec:
    """Parse ``index(a, b)`` or ``unique index(a)``, with an optional comment."""
    code, _comment = split_unquoted(line, "#")
    match = _INDEX.fullmatch(code.strip())
    if match is None:
        raise DataJointError("malformed index: write `index(attr1, attr2)` or `unique index(attr)`")
    names = tuple(name.strip("`") for name in split_list(match.group("args")))
    if names == ("",):
        raise DataJointError("the index names no attributes: write `index(attr1, attr2)`")
    for name in names:
        if not _NAME.fullmatch(name):
            raise DataJointError(
                f"`{name}` in the index is not an attribute name: list attribute names separated by commas"
            )
    return IndexSpec(attributes=names, unique=match.group("unique") is not None, line=number)


def _attribute(line: str, number: int, in_key: bool) -> AttributeSpec:
    """Parse ``name [= default] : type [auto_increment] [# comment]``."""
    code, comment = split_unquoted(line, "#")
    head, type_text = split_unquoted(code, ":")
    if type_text is None:
        if "->" in code:
            _check_name(code.strip())
        raise DataJointError(
            f"expected {_LINE_FORMAT}: put a colon between the attribute name and its type, "
            "e.g. `subject_id : int32`"
        )
    name_text, default_text = split_unquoted(head, "=")
    name = _check_name(name_text.strip())
    type_text, auto_increment = _split_auto_increment(type_text.strip())
    type_spec = parse_type(type_text)
    if auto_increment and type_spec.category != "int":
        raise DataJointError(f"auto_increment needs an integer type, not `{type_text}`")
    default, nullable = _default(default_text, type_spec, in_key)
    comment = (comment or "").strip()
    if comment.startswith(":"):
        raise DataJointError("an attribute comment must not start with `:`; reword it")
    return AttributeSpec(
        name=name,
        type=type_spec,
        in_key=in_key,
        nullable=nullable,
        default=default,
        comment=comment,
        auto_increment=auto_increment,
        line=number,
    )


def _check_name(name: str) -> str:
    """Return ``name`` if it is a valid attribute name, else explain the rule."""
    if _NAME.fullmatch(name):
        return name
    if not name:
        raise DataJointError(f"the attribute name is missing before `:`; expected {_LINE_FORMAT}")
    if "->" in name:
        raise DataJointError(
            "a foreign key line starts with `->`: write `-> Parent`, and rename attributes "
            "with `-> Parent.proj(new_name='old_name')`"
        )
    if name.startswith("_"):
        raise DataJointError(
            f"attribute name `{name}` starts with `_`, which is reserved for columns the library "
            "manages; use a name that starts with a letter"
        )
    hint = f"; did you mean `{name.lower()}`?" if _NAME.fullmatch(name.lower()) else ""
    raise DataJointError(
        f"invalid attribute name `{name}`: names are lowercase letters, digits and underscores, "
        f"starting with a letter{hint}"
    )


def _split_auto_increment(type_text: str) -> tuple[str, bool]:
    """Take a trailing ``auto_increment`` off the type text."""
    words = type_text.rsplit(None, 1)
    if len(words) == 2 and words[1].lower() == "auto_increment":
        return words[0], True
    return type_text, False


def _default(text: str | None, type_spec: TypeSpec, in_key: bool) -> tuple[str | None, bool]:
    """Return ``(default literal, nullable)`` for the text after ``=``."""
    if text is None:
        return None, False
    value = text.strip()
    if not value:
        raise DataJointError(f"`=` must be followed by a default value; expected {_LINE_FORMAT}")
    if value.lower() == "null":
        if in_key:
            raise DataJointError(
                "a primary-key attribute cannot be nullable (`= null`): move it below `---` "
                "or give it a non-null default"
            )
        return None, True
    if type_spec.category in _NO_DEFAULT_CATEGORIES:
        raise DataJointError(f"a `{type_spec.core}` attribute can only default to null (`= null`)")
    return _default_literal(value), False


def _default_literal(value: str) -> str:
    """Normalise a non-null default to a SQL literal, or explain what is allowed."""
    if unquote(value) is not None or _NUMBER.fullmatch(value):
        return value
    now = _NOW.fullmatch(value)
    if now is not None:
        fraction = now.group("fraction")
        return "CURRENT_TIMESTAMP" if fraction is None else f"CURRENT_TIMESTAMP({fraction})"
    if value.lower() in ("true", "false"):
        return value.lower()
    if _BARE_WORD.fullmatch(value):
        # DataJoint reads an unquoted word as a string, e.g. `= M : enum('M','F')`
        return f"'{value}'"
    raise DataJointError(
        f"default `{value}` is not a value: use a number, a quoted string ('x' or \"x\"), "
        "null or CURRENT_TIMESTAMP"
    )


__all__ = ["parse_definition"]
