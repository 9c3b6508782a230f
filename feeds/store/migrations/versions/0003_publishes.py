"""Every publish is kept in the store: its record, its bytes, and what is live

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
        "publishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_publish_channel_id", "publishes", ["channel_id", "id"])
    op.create_table(
        "snapshots",
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("gzip", sa.LargeBinary(), nullable=False),
        sa.Column("published_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel_id", "name", "etag"),
    )
    op.create_table(
        "live_snapshots",
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("publish_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id", "name", "etag"],
                                ["snapshots.channel_id", "snapshots.name", "snapshots.etag"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["publish_id"], ["publishes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("live_snapshots")
    op.drop_table("snapshots")
    op.drop_index("ix_publish_channel_id", table_name="publishes")
    op.drop_table("publishes")
