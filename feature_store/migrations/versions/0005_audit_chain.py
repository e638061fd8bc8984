"""hash chain over the audit log: each row carries the previous row's hash and its own

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("row_hash", sa.String(64)))
    # Rows written before the chain existed are chained now, in id order.
    from feature_store.audit import GENESIS, row_digest

    bind = op.get_bind()
    audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                     sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("case_id", sa.Integer),
                     sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("prev_hash", sa.String),
                     sa.column("row_hash", sa.String))
    prev = GENESIS
    for row in bind.execute(sa.select(audit).order_by(audit.c.id)).all():
        digest = row_digest(prev, row.id, row.at, row.actor, row.action, row.case_id, row.before, row.after)
        bind.execute(audit.update().where(audit.c.id == row.id).values(prev_hash=prev, row_hash=digest))
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
