"""MySQL and MariaDB: a DataJoint schema is a MySQL database.

This is DataJoint's home backend, so tables are laid out exactly as DataJoint
lays them out: native types with ``:type:`` comments for core types and codecs,
``uuid`` as ``binary(16)``, inline column and table comments, InnoDB. The
session runs in strict mode, so out-of-range numbers, too-long strings and bad
enum values are refused by the server rather than silently truncated.
"""

from __future__ import annotations

from ...definition.spec import TypeSpec
from .base import Dialect

_INT_WORDS = {8: "tinyint", 16: "smallint", 32: "int", 64: "bigint"}


def _core_native(spec: TypeSpec) -> str:
    """The MySQL spelling of a core type (DataJoint's MySQL mapping)."""
    category = spec.category
    if category == "int":
        return _INT_WORDS[spec.bits] + (" unsigned" if spec.unsigned else "")
    if category == "float":
        return ("float" if spec.bits == 32 else "double") + (" unsigned" if spec.unsigned else "")
    if category == "decimal":
        return f"decimal({spec.precision},{spec.scale})" + (" unsigned" if spec.unsigned else "")
    if category in ("string", "enum", "datetime", "timestamp", "time"):
        return spec.core
    simple = {
        "bool": "tinyint",
        "uuid": "binary(16)",
        "json": "json",
        "date": "date",
        "bytes": "longblob",
    }
    return simple.get(category, "longblob")


MYSQL = Dialect(
    name="mysql",
    quote_char="`",
    placeholder="%s",
    native_type=_core_native,
    inline_comments=True,
    table_suffix=" ENGINE=InnoDB",
    # not INSERT IGNORE: it would also turn foreign-key and bad-value errors into warnings
    on_conflict_ignore=" ON DUPLICATE KEY UPDATE {column} = {column}",
    upsert_clause=" ON DUPLICATE KEY UPDATE {assignments}",
    incoming_value="VALUES({c})",
    upsert_condition_per_assignment=True,
    update_returning=False,
    auto_increment="{type} NOT NULL AUTO_INCREMENT",
    percent_escaped=True,
    keeps_lineage_table=True,
    connection_id_sql="SELECT CONNECTION_ID()",
    transactional_ddl=False,
    row_list_in=True,
    begin_write="START TRANSACTION",
    unbounded_limit="18446744073709551615",
    extra={"current_timestamp": "CURRENT_TIMESTAMP"},
)
