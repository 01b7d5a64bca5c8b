"""invitations: the pending list's index covers its order (created_at, id), for keyset pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitations_org_id_status")
        batch_op.create_index(
            "ix_invitations_org_status_created", ["org_id", "status", "created_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitations_org_status_created")
        batch_op.create_index("ix_invitations_org_id_status", ["org_id", "status"])
