"""Artwork tiles and media checks

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("media", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "media_files",
        sa.Column("digest", sa.String(length=64), primary_key=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "artwork",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("spec", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "media_checks",
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "item_media",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.String(length=64), nullable=False),
        sa.Column("tile", sa.String(length=64), nullable=True),
        sa.Column("poster", sa.String(length=64), nullable=True),
        sa.Column("artwork_note", sa.Text(), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("videos", sa.JSON(), nullable=False),
        sa.Column("captions", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_item_media_channel", "item_media", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_item_media_channel", table_name="item_media")
    for table in ("item_media", "media_checks", "artwork", "media_files"):
        op.drop_table(table)
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("media")
