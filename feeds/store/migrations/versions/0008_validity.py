"""Items' validity windows (``dcterms:valid``)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("valid_from", sa.DateTime(), nullable=True))
    op.add_column("items", sa.Column("valid_until", sa.DateTime(), nullable=True))
    op.create_index("ix_item_channel_valid_from", "items", ["channel_id", "valid_from"])
    op.create_index("ix_item_channel_valid_until", "items", ["channel_id", "valid_until"])


def downgrade() -> None:
    op.drop_index("ix_item_channel_valid_until", table_name="items")
    op.drop_index("ix_item_channel_valid_from", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("valid_from")
