"""Storage faults: telling a database that is down, read-only or full from a bug in a query.

A storage fault is the database refusing to work, not the request being wrong: the service
answers it 503 with `Retry-After`, and the request changed nothing (its transaction was rolled
back). Anything else SQLAlchemy raises (a constraint, a missing table, bad SQL) is a bug, 500.
Only codes are ever shown (the SQLite result name, the PostgreSQL SQLSTATE): SQLAlchemy's
messages quote the statement and its parameters, which hold input.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

#: SQLite result codes (primary, by name) of a database that cannot work right now.
_SQLITE_FAULTS = frozenset({
    "SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_BUSY",
    "SQLITE_LOCKED", "SQLITE_PERM", "SQLITE_PROTOCOL", "SQLITE_CORRUPT", "SQLITE_NOTADB",
    "SQLITE_NOLFS", "SQLITE_AUTH",
})
#: SQLSTATE classes of a PostgreSQL server that cannot work right now: connection exceptions,
#: insufficient resources (disk full, out of memory, too many connections), operator
#: intervention (shutting down, cannot connect now), system errors (I/O).
_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "58"})
#: SQLSTATEs outside those classes that are faults too: a read-only transaction (a hot
#: standby, `default_transaction_read_only`).
_SQLSTATES = frozenset({"25006"})


def storage_fault(exc: BaseException) -> bool:
    """True when `exc` says the database is down, read-only, full or unreachable."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):  # SQLite: by result code, e.g. SQLITE_READONLY_DBMOVED
        return any(name == f or name.startswith(f + "_") for f in _SQLITE_FAULTS)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str) and state:
        return state[:2] in _SQLSTATE_CLASSES or state in _SQLSTATES
    # A driver error without a code: psycopg says so when it cannot connect at all
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)


def fault_code(exc: BaseException) -> str:
    """The driver's code for a database error (SQLITE_FULL, SQLSTATE 25006), safe to log."""
    orig = getattr(exc, "orig", None)
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        return name
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str) and state:
        return f"SQLSTATE {state}"
    return type(orig).__name__ if orig is not None else type(exc).__name__
