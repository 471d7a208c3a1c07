"""Attribute type text -> :class:`TypeSpec`.

Part of ``definition/`` (pure, no database). ``parser.py`` hands it the text
after an attribute's colon; the result says what the value is (``category``)
and how DataJoint 2.x spells it (``core``), so that the SQL layer can pick a
column type per dialect and the codec layer can pick an encoder. DataJoint
0.12-0.14 spellings (``int unsigned``, ``longblob``, ``attach@store``) map
onto the same specs with ``native=True``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from joinery.definition.scan import split_list, unquote
from joinery.definition.spec import TypeSpec
from joinery.errors import DataJointError

_SIMPLE: dict[str, TypeSpec] = {
    **{
        f"{sign}int{bits}": TypeSpec(f"{sign}int{bits}", "int", bits=bits, unsigned=bool(sign))
        for sign in ("", "u")
        for bits in (8, 16, 32, 64)
    },
    "float32": TypeSpec("float32", "float", bits=32),
    "float64": TypeSpec("float64", "float", bits=64),
    "bool": TypeSpec("bool", "bool"),
    "boolean": TypeSpec("bool", "bool", native=True),
    "uuid": TypeSpec("uuid", "uuid"),
    "json": TypeSpec("json", "json"),
    "jsonb": TypeSpec("json", "json", native=True),
    "bytes": TypeSpec("bytes", "bytes"),
    "date": TypeSpec("date", "date"),
    "attach": TypeSpec("<attach>", "codec", codec="attach", native=True),
    **{
        word: TypeSpec(word, "string", native=True) for word in ("tinytext", "text", "mediumtext", "longtext")
    },
    **{word: TypeSpec(word, "blob", native=True) for word in ("tinyblob", "blob", "mediumblob", "longblob")},
}

_NATIVE_INT_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 32, "int": 32, "integer": 32, "bigint": 64}

_ALLOWED = (
    "core types int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, bool, uuid, "
    "json, bytes, date, datetime, datetime(3), char(n), varchar(n), enum('a','b'), decimal(p,s); "
    "codecs <blob>, <blob@store>, <attach>, <attach@store>, <filepath@store>, <object@store>, <npy@store>, "
    "<hash@store> or any registered <name>; legacy types int/tinyint/smallint/mediumint/bigint [unsigned], "
    "float, double, boolean, time, timestamp, text, longblob, blob@store, attach, attach@store, filepath@store"
)

_CODEC = re.compile(r"<\s*(?P<name>[A-Za-z_]\w*)\s*(?:@\s*(?P<store>[A-Za-z_][\w-]*)?\s*)?>")
_LEGACY_CODEC = re.compile(r"(?P<name>blob|attach|filepath)\s*@\s*(?P<store>[A-Za-z_][\w-]*)", re.IGNORECASE)
_INT = re.compile(
    r"(?P<word>tinyint|smallint|mediumint|bigint|integer|int)(?:\s*\(\s*\d+\s*\))?(?P<unsigned>\s+unsigned)?",
    re.IGNORECASE,
)
_FLOAT = re.compile(
    r"(?P<word>float|double|real)(?:\s*\(\s*(?P<width>\d+)\s*(?:,\s*\d+\s*)?\))?(?P<unsigned>\s+unsigned)?",
    re.IGNORECASE,
)
_DECIMAL = re.compile(
    r"(?P<word>decimal|numeric)(?:\s*\(\s*(?P<precision>\d+)\s*(?:,\s*(?P<scale>\d+)\s*)?\))?"
    r"(?P<unsigned>\s+unsigned)?",
    re.IGNORECASE,
)
_CHAR = re.compile(r"(?P<var>var)?char\s*\(\s*(?P<length>\d+)\s*\)", re.IGNORECASE)
_ENUM = re.compile(r"enum\s*\((?P<members>.*)\)", re.IGNORECASE | re.DOTALL)
_TEMPORAL = re.compile(r"(?P<word>datetime|timestamp|time)(?:\s*\(\s*(?P<fraction>\d)\s*\))?", re.IGNORECASE)


def _codec(match: re.Match[str]) -> TypeSpec:
    name, store = match.group("name"), match.group("store")
    if store is None and "@" in match.group(0):
        store = ""  # `<blob@>`: DataJoint's spelling for the default store
    suffix = "" if store is None else f"@{store}"
    return TypeSpec(f"<{name}{suffix}>", "codec", codec=name, store=store)


def _legacy_codec(match: re.Match[str]) -> TypeSpec:
    name, store = match.group("name").lower(), match.group("store")
    return TypeSpec(f"<{name}@{store}>", "codec", codec=name, store=store, native=True)


def _integer(match: re.Match[str]) -> TypeSpec:
    bits = _NATIVE_INT_BITS[match.group("word").lower()]
    unsigned = match.group("unsigned") is not None
    core = f"{'u' if unsigned else ''}int{bits}"
    return TypeSpec(core, "int", bits=bits, unsigned=unsigned, native=True)


def _float(match: re.Match[str]) -> TypeSpec:
    word, width = match.group("word").lower(), match.group("width")
    # MySQL reads float(p) with p > 24 as a double
    bits = 32 if word == "float" and (width is None or int(width) <= 24) else 64
    unsigned = match.group("unsigned") is not None
    return TypeSpec(f"float{bits}", "float", bits=bits, unsigned=unsigned, native=True)


def _decimal(match: re.Match[str]) -> TypeSpec:
    precision = int(match.group("precision") or 10)  # MySQL's defaults: decimal = decimal(10,0)
    scale = int(match.group("scale") or 0)
    if scale > precision:
        raise DataJointError(
            f"decimal scale {scale} exceeds its precision {precision}: write decimal(p,s) with s <= p"
        )
    unsigned = match.group("unsigned") is not None
    canonical = match.group("word").lower() == "decimal" and match.group("scale") is not None
    return TypeSpec(
        f"decimal({precision},{scale})",
        "decimal",
        precision=precision,
        scale=scale,
        unsigned=unsigned,
        native=not canonical or unsigned,
    )


def _char(match: re.Match[str]) -> TypeSpec:
    fixed = match.group("var") is None
    length = int(match.group("length"))
    core = f"{'' if fixed else 'var'}char({length})"
    return TypeSpec(core, "string", length=length, fixed=fixed)


def _enum(match: re.Match[str]) -> TypeSpec:
    if not match.group("members").strip():
        raise DataJointError("enum() has no members: write enum('a', 'b', ...)")
    members = []
    for token in split_list(match.group("members")):
        member = unquote(token)
        if member is None:
            raise DataJointError(f"enum member `{token}` must be a quoted string: write enum('a', 'b', ...)")
        members.append(member)
    if len(set(members)) != len(members):
        raise DataJointError(f"enum members must be distinct in `{match.group(0)}`")
    core = "enum(" + ",".join("'" + member.replace("'", "''") + "'" for member in members) + ")"
    return TypeSpec(core, "enum", members=tuple(members))


def _temporal(match: re.Match[str]) -> TypeSpec:
    word, fraction = match.group("word").lower(), match.group("fraction")
    precision = None if fraction is None else int(fraction)
    if precision is not None and precision > 6:
        raise DataJointError(
            f"fractional seconds precision {precision} is above 6: use {word}(0) .. {word}(6)"
        )
    core = word if fraction is None else f"{word}({precision})"
    return TypeSpec(core, word, precision=precision, native=word != "datetime")


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], TypeSpec]], ...] = (
    (_CODEC, _codec),
    (_LEGACY_CODEC, _legacy_codec),
    (_INT, _integer),
    (_FLOAT, _float),
    (_DECIMAL, _decimal),
    (_CHAR, _char),
    (_ENUM, _enum),
    (_TEMPORAL, _temporal),
)


@functools.lru_cache(maxsize=1024)
def parse_type(text: str) -> TypeSpec:
    """Parse the type part of an attribute line into a :class:`TypeSpec`.

    Raises DataJointError naming the allowed types when ``text`` is none of them.

    >>> parse_type("int unsigned").core
    'uint32'
    >>> parse_type("<blob@store>").store
    'store'
    """
    stripped = text.strip()
    if not stripped:
        raise DataJointError(f"the type is missing after `:`; use one of the {_ALLOWED}")
    simple = _SIMPLE.get(" ".join(stripped.lower().split()))
    if simple is not None:
        return simple
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(stripped)
        if match is not None:
            return build(match)
    raise DataJointError(f"unknown type `{stripped}`; use one of the {_ALLOWED}")


__all__ = ["parse_type"]
