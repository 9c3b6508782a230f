"""Alembic's entry point: runs the migrations on the connection that
``feeds.store.migrate`` hands over (never one of its own)."""
from alembic import context

from feeds.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
