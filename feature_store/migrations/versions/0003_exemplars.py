"""exemplar listings with embeddings

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exemplars",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("brand_id", sa.String(64), nullable=False),
        sa.Column("listing_id", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200)),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "brand_id", "text_hash", "model", name="uq_exemplar"),
    )
    op.create_index("ix_exemplars_kind", "exemplars", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_exemplars_kind", "exemplars")
    op.drop_table("exemplars")
