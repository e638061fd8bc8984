"""Alembic environment: the connection comes from the caller (LibraryStore.migrate)."""

from alembic import context

from feature_store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through feature_store.LibraryStore.migrate()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
