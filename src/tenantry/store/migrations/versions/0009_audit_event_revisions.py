"""audit events carry the organization revision they made (the change feed's cursor)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
    _number_existing_changes()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "uq_audit_events_org_id_revision", ["org_id", "revision"], unique=True
        )


def _number_existing_changes() -> None:
    """Every write bumped its organization's revision once, from 1, with its one event (a
    refusal bumps nothing): the events before this migration get 2, 3, ... in chain order."""
    conn = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.String),
        sa.column("org_id", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("action", sa.String),
        sa.column("revision", sa.Integer),
    )
    rows = conn.execute(
        sa.select(events.c.id, events.c.org_id)
        .where(events.c.org_id.is_not(None), events.c.action != "access.denied")
        .order_by(events.c.org_id, events.c.seq)
    ).all()
    reached: dict[str, int] = {}
    for row in rows:
        reached[row.org_id] = reached.get(row.org_id, 1) + 1
        conn.execute(
            sa.update(events).where(events.c.id == row.id).values(revision=reached[row.org_id])
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("uq_audit_events_org_id_revision")
        batch_op.drop_column("revision")
