"""Audit commands: sign the tree head, export, import, verify, prove, rotate the signing key.

`recount verify` exits 1 with one line naming the first bad position (or the signature); every
other failure is a Recount error, printed the same way by `plain_errors`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import err, fail, opened, out, plain_errors, print_json, progress_bar
from domain.errors import IntegrityError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from services.audit import Verified

commands = typer.Typer()  # merged into `recount` by cli/main.py

proof_app = typer.Typer(help="Inclusion and consistency proofs (RFC 9162), as JSON.")
keys_app = typer.Typer(help="The Ed25519 key that signs checkpoints.")
commands.add_typer(proof_app, name="proof")
commands.add_typer(keys_app, name="keys")


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, fed by the (done, total) callbacks of the store."""
    with _progress_bars(label) as (callback,):
        yield callback


@contextmanager
def _progress_bars(*labels: str) -> Iterator[list[Callable[[int, int], None]]]:
    """One bar per label (one phase each), all in one rich display on stderr."""
    with progress_bar() as bars:
        tasks = [bars.add_task(label, total=None) for label in labels]
        yield [_updater(bars, task) for task in tasks]


def _updater(bars: Progress, task: TaskID) -> Callable[[int, int], None]:
    return lambda done, total: bars.update(task, completed=done, total=total)


@commands.command()
@plain_errors
def checkpoint() -> None:
    """Sign the current tree head and print it as JSON."""
    from services.audit import make_checkpoint

    with opened() as archive:
        signed = make_checkpoint(archive)
    print_json(signed.to_json())


@commands.command("export")
@plain_errors
def export_command(
    directory: Annotated[Path, typer.Argument(help="where to write the export")],
) -> None:
    """Write events.jsonl, checkpoint.json and public-key.pem for offline verification."""
    from services.audit import export as export_log

    with opened() as archive, _progress("exporting") as progress:
        signed = export_log(archive, directory, progress)
    out.print(
        f"exported {signed.tree_size} events to {directory} "
        f"(root {_b64(signed.root_hash)}, key {signed.key_id})",
        soft_wrap=True,
    )


@commands.command("import")
@plain_errors
def import_command(
    directory: Annotated[Path, typer.Argument(help="an export made by `recount export`")],
) -> None:
    """Load an export into an empty database, checking every hash and the signed checkpoint."""
    from services.audit import import_export

    try:
        with opened() as archive, _progress_bars("checking", "importing") as bars:
            checking, importing = bars
            imported = import_export(archive, directory, checking, importing)
    except IntegrityError as error:
        fail(f"import failed: {error}")
    out.print(
        f"imported {imported.tree_size} events from {directory} "
        f"(root {_b64(imported.root_hash)}, key {imported.key_id})",
        soft_wrap=True,
    )
    if imported.key_note is not None:
        err.print(f"note: {imported.key_note}", soft_wrap=True)


@commands.command()
@plain_errors
def verify(
    directory: Annotated[
        Path | None, typer.Argument(help="an export; the live database if absent")
    ] = None,
    against: Annotated[
        Path | None, typer.Option(help="a checkpoint kept earlier: the log must extend it")
    ] = None,
) -> None:
    """Recompute every leaf and root; exit 1 naming the first bad position or signature."""
    from services.audit import verify_export, verify_live

    try:
        with _progress("verifying") as progress:
            if directory is not None:
                result = verify_export(directory, against, progress)
            else:
                with opened() as archive:
                    result = verify_live(archive, against, progress)
    except IntegrityError as error:
        err.print(f"verification failed: {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    _print_verified(result)


def _print_verified(result: Verified) -> None:
    held = f", held to {len(result.checkpoints)} checkpoint(s)" if result.checkpoints else ""
    kept = f", extends {result.against.tree_size}" if result.against is not None else ""
    out.print(
        f"verified {result.tree_size} events: root {_b64(result.root_hash)}{held}{kept}",
        soft_wrap=True,
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@proof_app.command("inclusion")
@plain_errors
def inclusion(
    position: Annotated[int, typer.Option(help="the event's log position (leaf index + 1)")],
    tree_size: Annotated[int | None, typer.Option(help="the tree's size; now if absent")] = None,
) -> None:
    """Prove the event at POSITION is in the log of TREE_SIZE events."""
    from services.audit import inclusion_proof

    with opened() as archive:
        proof = inclusion_proof(archive, position, tree_size)
    print_json(proof.to_json())


@proof_app.command("consistency")
@plain_errors
def consistency(
    first: Annotated[int, typer.Option(help="the older tree's size")],
    second: Annotated[int | None, typer.Option(help="the newer tree's size; now if absent")] = None,
) -> None:
    """Prove the log of FIRST events is a prefix of the log of SECOND events."""
    from services.audit import consistency_proof

    with opened() as archive:
        proof = consistency_proof(archive, first, second)
    print_json(proof.to_json())


@keys_app.command("rotate")
@plain_errors
def rotate() -> None:
    """Make a new signing key; the log records the rotation, old checkpoints still verify."""
    from services.audit import rotate_signing_key

    with opened() as archive:
        rotation = rotate_signing_key(archive)
    out.print(
        f"signing key {rotation.key_id} replaces {rotation.previous_key_id} "
        f"(SigningKeyRotated at position {rotation.position})",
        soft_wrap=True,
    )
