"""Editorial control: hidden and pinned items, a channel's rows, its hold, the audit log

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("rows", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("held_by", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("held_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("held_publish_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("pinned_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pin_until", sa.DateTime(), nullable=True))
        batch.create_index("ix_item_pin_until", ["pin_until"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_channel_id", "audit", ["channel_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_channel_id", table_name="audit")
    op.drop_table("audit")
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_item_pin_until")
        for column in ("pin_until", "pinned_at", "hidden"):
            batch.drop_column(column)
    with op.batch_alter_table("channels") as batch:
        for column in ("held_publish_id", "held_at", "held_by", "rows"):
            batch.drop_column(column)
