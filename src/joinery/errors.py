"""One error hierarchy for joinery, with DataJoint's class names.

Every message says what was wrong and how to fix it. Engine code maps driver
exceptions onto these classes (see ``engine/errors.py``) so that user code can
catch the same exception on every backend.
"""

from __future__ import annotations


class DataJointError(Exception):
    """Base class of every error raised by joinery."""

    def suggest(self, *args: object) -> DataJointError:
        """Return a copy of this error with more explanation appended."""
        return self.__class__(*(self.args + args))


class LostConnectionError(DataJointError):
    """The connection to the database server was lost."""


class QueryError(DataJointError):
    """The database refused a query."""


class DeadlockError(QueryError):
    """The server rolled back a statement to break a deadlock with another transaction; it may be run again."""


class QuerySyntaxError(QueryError):
    """A query, or a SQL fragment written by the user, could not be parsed."""


class AccessError(QueryError):
    """The database user lacks a privilege the operation needs."""


class MissingTableError(DataJointError):
    """A table the operation needs has not been declared."""


class DuplicateError(QueryError):
    """An insert would create a second row with an existing primary or unique key."""


class IntegrityError(QueryError):
    """A write would break a foreign key or another constraint."""


class UnknownAttributeError(QueryError):
    """A row or a query names an attribute the table does not have."""


class MissingAttributeError(QueryError):
    """A row lacks a value for an attribute that has no default."""


class DataTypeError(DataJointError):
    """A value does not fit the declared type of its attribute."""


class MissingExternalFile(DataJointError):
    """A file referenced by the database is missing from its store."""


class BucketInaccessible(DataJointError):
    """An object store bucket cannot be reached."""


class ThreadSafetyError(DataJointError):
    """A connection was used from a thread other than the one that opened it."""


__all__ = [
    "AccessError",
    "BucketInaccessible",
    "DataJointError",
    "DataTypeError",
    "DeadlockError",
    "DuplicateError",
    "IntegrityError",
    "LostConnectionError",
    "MissingAttributeError",
    "MissingExternalFile",
    "MissingTableError",
    "QueryError",
    "QuerySyntaxError",
    "ThreadSafetyError",
    "UnknownAttributeError",
]
