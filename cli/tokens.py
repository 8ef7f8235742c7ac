"""`recount tokens`: create, list and revoke the bearer tokens that HTTP writes need."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.app import app, opened, out, plain_errors
from store.tokens import ROLES, WRITER, create_token, list_tokens, revoke_token

tokens = typer.Typer(help="API tokens for HTTP writes (stored hashed; shown once).")
app.add_typer(tokens, name="tokens")


@tokens.command("create")
@plain_errors
def create(
    name: Annotated[str, typer.Argument(help="who or what will use the token")],
    role: Annotated[
        str,
        typer.Option(help=f"{' or '.join(ROLES)}: an editor may retract anyone's report"),
    ] = WRITER,
) -> None:
    """Create a token and print it once: it cannot be shown again."""
    with opened() as archive:
        token = create_token(archive, name, role)
    typer.echo(token)


@tokens.command("list")
@plain_errors
def list_() -> None:
    """List tokens by name (never their secrets)."""
    with opened() as archive:
        infos = list_tokens(archive)
    table = Table("name", "role", "id", "created", "revoked")
    for info in infos:
        revoked = info.revoked_at.isoformat() if info.revoked_at else ""
        table.add_row(info.name, info.role, info.token_id, info.created_at.isoformat(), revoked)
    out.print(table)


@tokens.command("revoke")
@plain_errors
def revoke(name: Annotated[str, typer.Argument(help="the token's name or id")]) -> None:
    """Revoke a token; requests with it are refused from now on."""
    with opened() as archive:
        info = revoke_token(archive, name)
    out.print(f"revoked {info.name}", markup=False)
