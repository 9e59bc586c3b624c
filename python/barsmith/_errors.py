"""Exceptions raised by barsmith."""

from __future__ import annotations

__all__ = ["BackendUnavailableError", "InputError"]


class InputError(ValueError):
    """Input that barsmith refuses, with the column and row that are wrong.

    Attributes
    ----------
    column : str or None
        The offending column (or keyword argument).
    row : int or None
        Position (0-based) of the first offending row, when there is one.
    """

    def __init__(self, message: str, *, column: str | None = None, row: int | None = None):
        where = []
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.column = column
        self.row = row


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot be loaded; the message says why and how to fix it."""
