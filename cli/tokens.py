"""`recount tokens`: create, list and revoke the bearer tokens that HTTP writes need."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import opened, out, plain_errors, shown_time, table

commands = typer.Typer()  # merged into `recount` by cli/main.py

tokens = typer.Typer(help="API tokens for HTTP writes (stored hashed; shown once).")
commands.add_typer(tokens, name="tokens")


@tokens.command("create")
@plain_errors
def create(
    name: Annotated[str, typer.Argument(help="who or what will use the token")],
    role: Annotated[
        str,
        typer.Option(help="writer (retracts its own reports) or editor (retracts any report)"),
    ] = "writer",
) -> None:
    """Create a token and print it once: it cannot be shown again."""
    from services.tokens import create_token

    with opened() as archive:
        token = create_token(archive, name, role)
    typer.echo(token)


@tokens.command("list")
@plain_errors
def list_() -> None:
    """List tokens by name (never their secrets)."""
    from services.tokens import list_tokens

    with opened() as archive:
        infos = list_tokens(archive)
    shown = table("name", "role", "id", "created", "revoked")
    for info in infos:
        revoked = shown_time(info.revoked_at) if info.revoked_at else ""
        shown.add_row(info.name, info.role, info.token_id, shown_time(info.created_at), revoked)
    out.print(shown)


@tokens.command("revoke")
@plain_errors
def revoke(name: Annotated[str, typer.Argument(help="the token's name or id")]) -> None:
    """Revoke a token; requests with it are refused from now on."""
    from services.tokens import revoke_token

    with opened() as archive:
        info = revoke_token(archive, name)
    out.print(f"revoked {info.name}")
