"""The ``tenantry`` command: root options, the sub-commands, and the one place that turns a
refusal (domain error, invalid policy, bad input, database trouble) into one ``error:`` line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from tenantry.cli import (
    access,
    audit,
    check,
    db,
    invitations,
    members,
    orgs,
    policy,
    serve,
    signing_keys,
    users,
)
from tenantry.cli._context import CliState
from tenantry.errors import DomainError
from tenantry.policy import PolicyError
from tenantry.settings import Settings

ERROR_EXIT = 2


def _database_message(exc: SQLAlchemyError) -> str:
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    if "no such table" in detail or "does not exist" in detail:
        return f"the database is not migrated ({detail}); run 'tenantry db upgrade'"
    return f"database: {detail}"


class _Root(TyperGroup):
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except typer.TyperException as exc:  # Typer's base of usage and parameter errors
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
                typer.echo(ctx.get_help())  # a bare `tenantry` or `tenantry org`
                code = 0
            else:
                message = exc.format_message()
                if ctx is not None:
                    message = f"{message} (see '{ctx.command_path} --help')"
                code = self._fail(message, exc.exit_code)
        except typer.Abort:
            code = self._fail("aborted", 1)
        except (DomainError, PolicyError) as exc:
            code = self._fail(exc.message if isinstance(exc, DomainError) else str(exc), ERROR_EXIT)
        except SQLAlchemyError as exc:
            code = self._fail(_database_message(exc), ERROR_EXIT)
        except OSError as exc:  # an unreadable policy file, a database folder we cannot create
            code = self._fail(str(exc), ERROR_EXIT)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    @staticmethod
    def _fail(message: str, code: int) -> int:
        typer.echo(f"error: {message}", err=True)
        return code


_defaults = Settings.load({})

app = typer.Typer(
    cls=_Root,
    name="tenantry",
    help="Organizations, members, roles and permissions for multi-tenant platforms.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str,
        typer.Option(
            "--database-url", envvar="TENANTRY_DATABASE_URL", help="SQLAlchemy URL of the database."
        ),
    ] = _defaults.database_url,
    policy_name: Annotated[
        str,
        typer.Option(
            "--policy", envvar="TENANTRY_POLICY", help="A preset name or a policy TOML file."
        ),
    ] = _defaults.policy,
) -> None:
    ctx.obj = CliState(database_url=database_url, policy_name=policy_name)
    ctx.call_on_close(ctx.obj.close)


app.add_typer(db.app, name="db")
app.add_typer(policy.app, name="policy")
app.add_typer(users.app, name="user")
app.add_typer(orgs.app, name="org")
app.add_typer(members.app, name="member")
app.add_typer(invitations.app, name="invite")
app.add_typer(invitations.mail, name="mail")
app.add_typer(audit.app, name="audit")
app.add_typer(signing_keys.app, name="signing-key")
app.command("check")(check.check)
app.command("access")(access.access)
app.command("serve")(serve.serve)
