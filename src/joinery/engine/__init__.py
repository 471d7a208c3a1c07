"""Connections, transactions, drivers, catalog introspection and error mapping."""

from .connection import Connection

__all__ = ["Connection"]
