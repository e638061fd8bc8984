"""indexes for the queue, seller history and case audit trails (they were full scans)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


INDEXES = (("ix_cases_queue", "cases", ["status", "risk", "id"]), ("ix_cases_seller", "cases", ["seller_id"]),
           ("ix_audit_case", "audit_log", ["case_id"]))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for name, table, columns in INDEXES:
        # SQLite's batch migrations rebuild tables from the current model, indexes included: skip those
        if name not in {index["name"] for index in inspector.get_indexes(table)}:
            op.create_index(name, table, columns)


def downgrade() -> None:
    op.drop_index("ix_audit_case", "audit_log")
    op.drop_index("ix_cases_seller", "cases")
    op.drop_index("ix_cases_queue", "cases")
