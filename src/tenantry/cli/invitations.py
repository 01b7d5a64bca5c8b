"""``tenantry invite ...`` (as the operator) and ``tenantry mail ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenantry.cli._context import state
from tenantry.cli._output import echo_table
from tenantry.invitations import listing as invitation_listing
from tenantry.invitations import service as invitations
from tenantry.mail.transports import MailboxTransport, messages_in, text_of
from tenantry.orgs.service import get_org
from tenantry.writes import Actor

app = typer.Typer(help="Invitations, as the operator.", no_args_is_help=True)
mail = typer.Typer(
    help="Outgoing mail: deliver the queue, read the development mailbox.", no_args_is_help=True
)


@app.command("send")
def send(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    emails: Annotated[list[str], typer.Argument(help="One or more email addresses.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Organization role (repeat for several).")
    ] = None,
    permission: Annotated[
        list[str] | None,
        typer.Option("--permission", help="Permission, for per-permission policies."),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Who the mail says invited them, e.g. 'Olive Smith (Olive Co)'. Without it, "
            "the mail says only that they are invited.",
        ),
    ] = None,
) -> None:
    """Invite people; prints each address's result and its link (mailed, or to pass on when
    the mail failed). Links use TENANTRY_BASE_URL, or the configured host and port."""
    t = state(ctx).tenantry()
    with t.db.transaction() as s:
        results = invitations.invite(
            s,
            t.authz,
            t.invites,
            actor=Actor.operator(),
            org_id=org_id,
            emails=emails,
            roles=role or [],
            permissions=permission or [],
            named_inviter=sender,
        )
    t.deliver_mail(only=[r.message_id for r in results if r.message_id])
    with t.db.sessions() as s:
        for r in results:
            line = f"{r.email}: {r.status}" + ("" if r.error is None else f" ({r.message})")
            if r.invitation is not None:
                inv = invitations.get_invitation(s, org_id, r.invitation.id)
                if inv.delivery_status == "failed":
                    link = invitations.link_of(inv, t.invites)
                    line += f"\n  mail failed ({inv.delivery_error}); send this link: {link}"
            typer.echo(line)


@app.command("list")
def list_(
    ctx: typer.Context, org_id: Annotated[str, typer.Argument(help="The organization's id.")]
) -> None:
    """Pending invitations: who, roles, sent, expires, delivery."""
    t = state(ctx).tenantry()
    with t.db.sessions() as s:
        get_org(s, org_id)
        rows = [
            [
                i.id,
                i.email,
                ", ".join(i.roles) or ", ".join(i.permissions) or "—",
                f"{i.sent_at:%Y-%m-%d %H:%M}",
                f"{i.expires_at:%Y-%m-%d %H:%M}",
                i.delivery_status,
            ]
            for i in invitation_listing.pending(s, org_id)
        ]
    echo_table(
        ["id", "email", "offers", "sent (UTC)", "expires (UTC)", "mail"],
        rows,
        empty="no pending invitations",
    )


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    invitation_id: Annotated[str, typer.Argument(help="The invitation's id (see 'invite list').")],
) -> None:
    """Cancel a pending invitation: its link stops working at once."""
    t = state(ctx).tenantry()
    with t.db.transaction() as s:
        invitations.cancel(
            s, t.authz, actor=Actor.operator(), org_id=org_id, invitation_id=invitation_id
        )
    typer.echo(f"cancelled invitation {invitation_id}")


@mail.command("send")
def deliver(ctx: typer.Context) -> None:
    """Deliver every queued message that is due (the service also does this by itself)."""
    typer.echo(f"sent {state(ctx).tenantry().deliver_mail()} message(s)")


@mail.command("list")
def mailbox(ctx: typer.Context) -> None:
    """Show the development mailbox (where mail goes when no SMTP server is configured)."""
    transport = state(ctx).tenantry().mail
    if not isinstance(transport, MailboxTransport):
        raise typer.BadParameter("mail goes to an SMTP server here, not to the development mailbox")
    folder = Path(transport.folder)
    if not folder.exists():
        typer.echo("the mailbox is empty")
        return
    for message in messages_in(folder):
        head = f"To: {message['To']}\nSubject: {message['Subject']}"
        typer.echo(f"{head}\n\n{text_of(message)}\n{'-' * 60}")
