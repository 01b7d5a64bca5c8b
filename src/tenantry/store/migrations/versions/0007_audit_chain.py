"""audit hash chain

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tenantry.audit.chain import GENESIS, digest
from tenantry.store.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("audit_head", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("uq_audit_events_org_id_seq", ["org_id", "seq"], unique=True)


def _chain_existing_events() -> None:
    """Events written before the chain existed are chained in the order they were written
    (their ids sort by creation), and each organization's head set to the last one."""
    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.String),
        sa.column("org_id", sa.String),
        sa.column("occurred_at", UTCDateTime()),
        sa.column("actor_id", sa.String),
        sa.column("actor", sa.String),
        sa.column("ip", sa.String),
        sa.column("action", sa.String),
        sa.column("target_type", sa.String),
        sa.column("target_id", sa.String),
        sa.column("target", sa.String),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    orgs = sa.table(
        "organizations",
        sa.column("id", sa.String),
        sa.column("audit_seq", sa.Integer),
        sa.column("audit_head", sa.String),
    )
    heads: dict[str, tuple[int, str]] = {}
    rows = conn.execute(
        sa.select(events).where(events.c.org_id.is_not(None)).order_by(events.c.id)
    ).all()
    for row in rows:
        seq, prev = heads.get(row.org_id, (0, GENESIS))
        fields = {**row._mapping, "seq": seq + 1}
        own = digest(fields, prev, "tenantry-audit-v1")  # the format of its time: no revision
        conn.execute(
            sa.update(events)
            .where(events.c.id == row.id)
            .values(seq=seq + 1, prev_hash=prev, hash=own)
        )
        heads[row.org_id] = (seq + 1, own)
    for org_id, (seq, head) in heads.items():
        conn.execute(
            sa.update(orgs).where(orgs.c.id == org_id).values(audit_seq=seq, audit_head=head)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("uq_audit_events_org_id_seq")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("audit_head")
        batch_op.drop_column("audit_seq")
