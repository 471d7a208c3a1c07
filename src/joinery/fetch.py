"""Reading query results: compile, run, decode, shape.

Layer: between ``expression.py`` (the user's query value) and ``sql/compiler.py``
+ ``engine/`` (SQL text, rows). The fetch methods of ``QueryExpression`` live
here. Rows come back from the driver as tuples and are transposed into columns;
only the columns whose type needs it are decoded (one decoder looked up per
column), and the result is shaped as DataJoint 2.x shapes it: a structured
array, dicts, a DataFrame indexed by the primary key, or one array per attribute.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .codecs import decoder, encode_value
from .errors import DataJointError
from .key_fetch import key_rows
from .query import nodes as n
from .query.heading import Heading
from .sql.compiler import Compiler
from .sql.plans import compile_query


def compiler_for(query: Any) -> Compiler:
    """A fresh compiler for the query's connection."""
    return Compiler(query.connection.dialect, encode_value)


def _run(
    query: Any, names: list[str], order_by: Any = None, limit: int | None = None, offset: int | None = None
) -> list[tuple]:
    """The rows of ``query`` (columns ``names``), ordered and sliced as asked."""
    connection = query.connection
    sql, params = compile_query(connection.dialect, encode_value, query._node, names, order_by, limit, offset)
    return connection.query(sql, params, binary=_binary_rows(query.heading, names)).fetchall()


def _binary_rows(heading: Heading, names: list[str]) -> bool:
    """True to read rows in the driver's binary format: they hold large binary values (bytes, blobs).

    Those read several times faster so. Computed columns keep the text format: their SQL type is
    unknown here, and a type the driver reads only from text would come back as raw bytes.
    """
    key = ("binary", tuple(names))
    found = heading.memo.get(key)
    if found is None:
        attributes = [heading[name] for name in names]
        found = any(a.is_blob for a in attributes) and all(
            a.type.category != "expression" for a in attributes
        )
        heading.memo[key] = found
    return found


def _decoders(heading: Heading, names: list[str], options: dict) -> list:
    """The decoder of each column (None: values pass as they are), cached on the heading."""
    key = ("decoders", tuple(names), options.get("squeeze", False), options.get("download_path", "."))
    found = heading.memo.get(key)
    if found is None:
        found = heading.memo[key] = [decoder(heading[name], **options) for name in names]
    return found


def _decoded_row(
    heading: Heading, names: list[str], values: tuple, squeeze: bool, download_path: str
) -> dict:
    """One row as a dict of decoded values (a plain zip when no column needs decoding)."""
    if names is heading.names and not squeeze and heading.memo.get("plain") is True:
        return dict(zip(names, values))  # the common case, without building a cache key
    decoders = _decoders(heading, names, {"squeeze": squeeze, "download_path": download_path})
    if not squeeze and not any(decoders):
        if names is heading.names:
            heading.memo["plain"] = True  # every column passes as it is
        return dict(zip(names, values))
    row = {}
    for name, value, decode in zip(names, values, decoders):
        if decode is not None and value is not None:
            value = decode(value)
        row[name] = np.squeeze(value) if squeeze and isinstance(value, np.ndarray) else value
    return row


def _plain(heading: Heading, names: list[str], options: dict) -> bool:
    """True when every column passes as the driver returns it: rows need no decoding pass."""
    return not options.get("squeeze") and not any(_decoders(heading, names, options))


def _columns(
    heading: Heading, names: list[str], rows: list[tuple], options: dict, stack: tuple = ()
) -> list[Any]:
    """Rows transposed into decoded columns (``None`` stays ``None``).

    A column named in ``stack`` comes back as one stacked array when its
    decoder can build it in one pass (equal-shaped blobs), else as a list.
    """
    if not rows:
        return [[] for _ in names]
    columns: list[Any] = [list(col) for col in zip(*rows)]
    for i, decode in enumerate(_decoders(heading, names, options)):
        stacked = None
        if names[i] in stack and not options.get("squeeze") and hasattr(decode, "stack"):
            stacked = decode.stack(columns[i])
        if stacked is not None:
            columns[i] = stacked
            continue
        if decode is not None:
            columns[i] = [None if v is None else decode(v) for v in columns[i]]
        if options.get("squeeze"):
            columns[i] = [np.squeeze(v) if isinstance(v, np.ndarray) else v for v in columns[i]]
    return columns


def _names(heading: Heading, attrs: tuple) -> list[str]:
    """The attributes to read for ``attrs``: 'KEY' stands for the primary key; no repeats."""
    try:
        found = heading.memo.get(("names", attrs))
    except TypeError:  # an unhashable attribute name: the check below says what is wrong
        return _attribute_names(heading, attrs)
    if found is None:
        found = heading.memo[("names", attrs)] = _attribute_names(heading, attrs)
    return found


def _attribute_names(heading: Heading, attrs: tuple) -> list[str]:
    names: list[str] = []
    for attr in attrs:
        if attr == "KEY":
            names.extend(heading.primary_key)
        elif attr in heading:
            names.append(attr)
        else:
            raise DataJointError(
                f"Attribute `{attr}` is not in the query; its attributes are {heading.names}."
            )
    return list(dict.fromkeys(names))


def _objects(values: list) -> np.ndarray:
    return np.fromiter(values, dtype=object, count=len(values))


def _stackable(values: list) -> bool:
    """True for arrays that all share one shape and dtype (then stacking them equals ``np.array``)."""
    first = values[0]
    if type(first) is not np.ndarray or first.dtype.kind == "O":
        return False
    shape, dtype = first.shape, first.dtype
    return all(type(v) is np.ndarray and v.shape == shape and v.dtype == dtype for v in values)


def _as_array(values: list) -> np.ndarray:
    """One attribute's values as numpy makes them (DataJoint 2.x): equal-shaped blobs stack.

    Values numpy cannot stack (ragged arrays, mixed None) and bytes (numpy's ``S``
    dtype would drop trailing zero bytes) become an object array. Equal arrays
    are copied into one preallocated array, which is what ``np.array`` makes of
    them, without its inspection of every element.
    """
    if type(values) is np.ndarray:
        return values  # already stacked by the column's decoder
    if values and isinstance(values[0], bytes):
        return _objects(values)
    if values and _stackable(values):
        stacked = np.empty((len(values), *values[0].shape), dtype=values[0].dtype)
        for i, value in enumerate(values):
            stacked[i] = value
        return stacked
    try:
        return np.array(values)
    except (ValueError, TypeError):
        return _objects(values)


def _records(heading: Heading, names: list[str], columns: list[list]) -> np.ndarray:
    """A structured array with the heading's dtypes (floats hold NULL as NaN)."""
    dtype = heading.select(names).as_dtype
    result = np.empty(len(columns[0]) if columns else 0, dtype=dtype)
    for name, values in zip(names, columns):
        if dtype[name].kind == "O":
            result[name] = _objects(values)
        else:
            result[name] = np.array(values, dtype=dtype[name])
    return result


def _records_from_rows(heading: Heading, names: list[str], rows: list[tuple]) -> np.ndarray | None:
    """The structured array built from undecoded rows in one step; None where numpy refuses a value.

    A NULL in an integer column (a value numpy cannot store there) is the usual
    refusal; the column-by-column path then says what it says.
    """
    try:
        return np.array(rows if type(rows) is list else list(rows), dtype=heading.select(names).as_dtype)
    except (TypeError, ValueError, OverflowError):
        return None


def _read(query: Any, names: list[str], kwargs: dict, options: dict, stack: tuple = ()) -> dict[str, Any]:
    """Decoded columns by name, for the options ``order_by``, ``limit``, ``offset`` in ``kwargs``."""
    rows = _run(query, names, **kwargs)
    return dict(zip(names, _columns(query._node.heading, names, rows, options, stack)))


def _key_dicts(columns: dict[str, list], key: list[str]) -> list[dict]:
    return [dict(zip(key, values)) for values in zip(*(columns[k] for k in key))]


# -- the public methods (bound onto QueryExpression) -------------------------------------


def to_arrays(
    self: Any,
    *attrs: str,
    include_key: bool = False,
    order_by: Any = None,
    limit: int | None = None,
    offset: int | None = None,
    squeeze: bool = False,
    download_path: str = ".",
) -> Any:
    """A structured array of every attribute, or one array per named attribute.

    With ``include_key=True`` and attribute names: ``(keys, *arrays)`` where
    ``keys`` is a list of primary-key dicts, as ``keys()`` gives them.
    """
    kwargs = {"order_by": order_by, "limit": limit, "offset": offset}
    options = {"squeeze": squeeze, "download_path": download_path}
    if not attrs:
        names = list(self.heading.names)
        rows = _run(self, names, **kwargs)
        if rows and _plain(self.heading, names, options):
            records = _records_from_rows(self.heading, names, rows)
            if records is not None:
                return records
        return _records(self.heading, names, _columns(self.heading, names, rows, options))
    key = list(self.primary_key) if include_key else []
    columns = _read(self, list(dict.fromkeys(key + _names(self.heading, attrs))), kwargs, options, attrs)
    arrays = tuple(_as_array(columns[attr]) for attr in attrs)
    if include_key:
        return (_key_dicts(columns, key), *arrays)
    return arrays[0] if len(arrays) == 1 else arrays


def to_dicts(
    self: Any,
    order_by: Any = None,
    limit: int | None = None,
    offset: int | None = None,
    squeeze: bool = False,
    download_path: str = ".",
) -> list[dict]:
    """Every row as a dict, attributes in heading order."""
    names = list(self.heading.names)
    rows = _run(self, names, order_by, limit, offset)
    options = {"squeeze": squeeze, "download_path": download_path}
    if _plain(self.heading, names, options):
        return [dict(zip(names, row)) for row in rows]
    columns = _columns(self.heading, names, rows, options)
    return [dict(zip(names, values)) for values in zip(*columns)] if rows else []


def to_pandas(
    self: Any,
    order_by: Any = None,
    limit: int | None = None,
    offset: int | None = None,
    squeeze: bool = False,
) -> Any:
    """A pandas DataFrame indexed by the primary key."""
    try:
        import pandas as pd
    except ImportError:
        raise DataJointError("to_pandas() needs pandas: pip install 'joinery[pandas]'.") from None
    names = list(self.heading.names)
    rows = _run(self, names, order_by, limit, offset)
    options = {"squeeze": squeeze}
    if rows and _plain(self.heading, names, options):
        frame = pd.DataFrame.from_records(rows if type(rows) is list else list(rows), columns=names)
    else:
        frame = pd.DataFrame(dict(zip(names, _columns(self.heading, names, rows, options))), columns=names)
    return frame.set_index(self.primary_key) if self.primary_key else frame


def keys(self: Any, order_by: Any = None, limit: int | None = None, offset: int | None = None) -> list[dict]:
    """The primary-key values of every row, as dicts."""
    return self.proj().to_dicts(order_by=order_by, limit=limit, offset=offset)


def head(self: Any, limit: int = 25, **kwargs: Any) -> list[dict]:
    """The first ``limit`` rows in primary-key order."""
    return self.to_dicts(order_by="KEY", limit=limit, **kwargs)


def tail(self: Any, limit: int = 25, **kwargs: Any) -> list[dict]:
    """The last ``limit`` rows in primary-key order."""
    return self.to_dicts(order_by="KEY DESC", limit=limit, **kwargs)[::-1]


def fetch(
    self: Any,
    *attrs: str,
    offset: int | None = None,
    limit: int | None = None,
    order_by: Any = None,
    format: str | None = None,
    as_dict: bool | None = None,
    squeeze: bool = False,
    download_path: str = ".",
) -> Any:
    """DataJoint 0.14's fetch: records, dicts, a frame, or one array per attribute ('KEY' = key dicts)."""
    if format not in (None, "array", "frame"):
        raise DataJointError(f"fetch format must be 'array' or 'frame', not {format!r}.")
    kwargs = {"order_by": order_by, "limit": limit, "offset": offset}
    if format == "frame":
        if attrs or as_dict is not None:
            raise DataJointError("format='frame' cannot be combined with attribute names or as_dict.")
        return self.to_pandas(**kwargs, squeeze=squeeze)
    options: dict[str, Any] = {"squeeze": squeeze, "download_path": download_path}
    if not attrs:
        if as_dict:
            return self.to_dicts(**kwargs, **options)
        return to_arrays(self, **kwargs, **options)
    if attrs == ("KEY",):
        return self.keys(**kwargs)
    if as_dict:
        return self.proj(*_names(self.heading, attrs)).to_dicts(**kwargs, **options)
    columns = _read(self, _names(self.heading, attrs), kwargs, options, attrs)
    results = [_key_dicts(columns, self.primary_key) if a == "KEY" else _as_array(columns[a]) for a in attrs]
    return results[0] if len(results) == 1 else tuple(results)


def fetch1(self: Any, *attrs: str, squeeze: bool = False, download_path: str = ".") -> Any:
    """The one row of the query: a dict, or the values of the named attributes ('KEY' = key dict)."""
    rows = None
    if self._key is not None and self._node_value is None:
        table = self._table_node()
        heading = table.heading
        names = heading.names if not attrs else _names(heading, attrs)
        found = key_rows(self, table, self._key, names)
        if found is not None:
            rows, plan = found
            if len(attrs) == 1 and attrs[0] != "KEY" and not squeeze and download_path == ".":
                value = _one_row(rows)[0]  # make's most frequent read: one attribute of one key
                decode = plan.decoders[0]
                return value if decode is None or value is None else decode(value)
    else:
        heading = self._node.heading
        names = heading.names if not attrs else _names(heading, attrs)
    if rows is None:
        rows = _run(self, names, limit=2)
    row = _decoded_row(heading, names, _one_row(rows), squeeze, download_path)
    if not attrs:
        return row
    if len(attrs) == 1 and attrs[0] != "KEY":
        return row[attrs[0]]
    values = tuple({k: row[k] for k in heading.primary_key} if attr == "KEY" else row[attr] for attr in attrs)
    return values[0] if len(values) == 1 else values


def _one_row(rows: list[tuple]) -> tuple:
    """The only row of ``rows``; an error if there are none or several."""
    if len(rows) != 1:
        found = "no rows" if not rows else "more than one row"
        raise DataJointError(
            f"fetch1 requires the query to return exactly one row, but it returned {found}. "
            "Restrict the query to one key first."
        )
    return rows[0]


def count(query: Any) -> int:
    """The number of rows (one ``SELECT count(*)``)."""
    compiler = compiler_for(query)
    sel = compiler.select(query._node)
    if sel.closed or isinstance(query._node, n.UnionNode):
        sql, params = compiler.render(sel, list(query.heading.names))
        sql = f"SELECT count(*) FROM ({sql}) AS _count"
    else:
        inner, params = compiler.render(sel, [])
        sql = "SELECT count(*)" + inner[len("SELECT 1") :]
    return query.connection.query(sql, params).fetchone()[0]


def exists(query: Any) -> bool:
    """True if the query has at least one row (one ``SELECT EXISTS``)."""
    compiler = compiler_for(query)
    sel = compiler.select(query._node)
    if sel.aggregated or sel.distinct:  # their rows exist only as computed: keep the columns
        sql, params = compiler.render(sel, list(query._node.heading.names))
    else:
        sql, params = compiler.render(sel, [])
    return bool(query.connection.query(f"SELECT EXISTS ({sql})", params).fetchone()[0])
