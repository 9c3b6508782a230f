"""The search index's artefacts that live outside the ORM's tables, and Alembic told
to leave them out of its comparison of the store with ``tables.py``.

Migration 0005 makes them: on SQLite the FTS5 table ``items_fts`` and its shadow
tables, on PostgreSQL the column ``items.search_vector`` (generated until 0010, kept
by triggers since: see that migration) and its GIN index. Neither can be declared on
the ORM's tables for both stores (an FTS5 table is no table to PostgreSQL, a
``tsvector`` no type to SQLite), so autogenerate would offer to drop them. Functions,
text search configurations, views and triggers are never compared by Alembic, so they
need no mention here."""
from __future__ import annotations

from alembic.autogenerate import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

FTS_TABLE = "items_fts"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_item_search"


def is_search_artefact(op) -> bool:
    if isinstance(op, ops.DropTableOp):
        return op.table_name == FTS_TABLE or op.table_name.startswith(FTS_TABLE + "_")
    if isinstance(op, ops.DropColumnOp):
        return (op.table_name, op.column_name) == ("items", SEARCH_COLUMN)
    if isinstance(op, ops.DropIndexOp):
        return op.index_name == SEARCH_INDEX
    return False


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _leave_out_search_artefacts(autogen_context, upgrade_ops, schemas) -> PriorityDispatchResult:
    kept = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [inner for inner in op.ops if not is_search_artefact(inner)]
            if op.is_empty():
                continue
        if not is_search_artefact(op):
            kept.append(op)
    upgrade_ops.ops[:] = kept
    return PriorityDispatchResult.CONTINUE
