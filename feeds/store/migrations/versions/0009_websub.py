"""WebSub: each feed source's discovered hub and its subscription there

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websub_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("hub", sa.String(length=2048), nullable=False),
        sa.Column("topic", sa.String(length=2048), nullable=False),
        sa.Column("discover_at", sa.DateTime(), nullable=False),
        sa.Column("discovered_at", sa.DateTime(), nullable=True),
        sa.Column("renew_at", sa.DateTime(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("lease_seconds", sa.Integer(), nullable=True),
        sa.Column("lease_expires", sa.DateTime(), nullable=True),
        sa.Column("denied_at", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_pushes", sa.Integer(), nullable=False),
        sa.Column("last_rejected_at", sa.DateTime(), nullable=True),
        sa.Column("last_rejection", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", name="uq_websub_source"),
        sa.UniqueConstraint("callback_id", name="uq_websub_callback"),
    )
    op.create_index("ix_websub_discover_at", "websub_subscriptions", ["discover_at"])
    op.create_index("ix_websub_renew_at", "websub_subscriptions", ["renew_at"])


def downgrade() -> None:
    op.drop_index("ix_websub_renew_at", table_name="websub_subscriptions")
    op.drop_index("ix_websub_discover_at", table_name="websub_subscriptions")
    op.drop_table("websub_subscriptions")
