"""protection list, lexicon and library versions

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brands",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("names_zh", sa.JSON(), nullable=False),
        sa.Column("names_en", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("known_variants", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("registration", sa.String(200)),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("authorized_sellers", sa.JSON(), nullable=False),
        sa.Column("reference_prices", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lexicon_terms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("strength", sa.String(8), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("term", name="uq_lexicon_term"),
    )
    op.create_table(
        "library_versions",
        sa.Column("version", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("brands", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("library_versions")
    op.drop_table("lexicon_terms")
    op.drop_table("brands")
