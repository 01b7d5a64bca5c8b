"""member sort keys and the indexes that keep member operations size-independent

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:30:00

A membership carries its user's email and name in lower case, so the member list sorts,
pages and searches by prefix on indexes of one organization's rows. A trigger on ``users``
keeps them equal to the user's row whatever writes it. (SQLite drops a table's triggers when
the table is recreated: a later migration that rebuilds ``users`` in batch mode must create
this trigger again; tests/members/test_paging.py fails at head if it is missing.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SORT_KEY = sa.String(length=320).with_variant(sa.String(length=320, collation="C"), "postgresql")

SQLITE_TRIGGER = """
CREATE TRIGGER tr_users_member_keys AFTER UPDATE OF email, name ON users
BEGIN
    UPDATE memberships SET email_key = lower(NEW.email), name_key = lower(NEW.name)
    WHERE user_id = NEW.id;
END
"""

PG_FUNCTION = """
CREATE FUNCTION tenantry_member_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships SET email_key = lower(NEW.email), name_key = lower(NEW.name)
    WHERE user_id = NEW.id;
    RETURN NULL;
END
$$
"""

PG_TRIGGER = """
CREATE TRIGGER tr_users_member_keys AFTER UPDATE OF email, name ON users
FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION tenantry_member_keys()
"""


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_key", SORT_KEY, server_default="", nullable=False))
        batch_op.add_column(sa.Column("name_key", SORT_KEY, server_default="", nullable=False))
    op.execute(
        "UPDATE memberships SET "
        "email_key = (SELECT lower(users.email) FROM users WHERE users.id = memberships.user_id), "
        "name_key = (SELECT lower(users.name) FROM users WHERE users.id = memberships.user_id)"
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_org_id_email_key", ["org_id", "email_key", "user_id"], unique=False
        )
        batch_op.create_index(
            "ix_memberships_org_id_name_key", ["org_id", "name_key", "user_id"], unique=False
        )
        batch_op.create_index(
            "ix_memberships_org_id_created_at", ["org_id", "created_at", "user_id"], unique=False
        )
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.create_index("ix_member_roles_org_id_role", ["org_id", "role"], unique=False)
    with op.batch_alter_table("member_permissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_permissions_permission", ["permission", "membership_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS tr_users_member_keys"
        + (" ON users" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tenantry_member_keys()")
    with op.batch_alter_table("member_permissions", schema=None) as batch_op:
        batch_op.drop_index("ix_member_permissions_permission")
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_member_roles_org_id_role")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_org_id_created_at")
        batch_op.drop_index("ix_memberships_org_id_name_key")
        batch_op.drop_index("ix_memberships_org_id_email_key")
        batch_op.drop_column("name_key")
        batch_op.drop_column("email_key")
