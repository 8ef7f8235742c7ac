"""`recount subjects`: define subjects and their routing rules, rename, merge, hide, show, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.app import opened, out, plain_errors, print_json, progress_bar, say, shown_time, table
from cli.feeds import AsOperator, operator_name

if TYPE_CHECKING:
    from rich.table import Table

    from services.subjects import Listing

commands = typer.Typer()  # merged into `recount` by cli/main.py

subjects_app = typer.Typer(help="Subjects: their titles, routing rules, names and visibility.")
commands.add_typer(subjects_app, name="subjects")


@subjects_app.command("add")
@plain_errors
def add(
    slug: Annotated[str, typer.Argument(help="the subject slug: kazakhstan-unrest-2022")],
    title: Annotated[str, typer.Option(help="what the home page lists it by")],
    match: Annotated[
        list[str] | None,
        typer.Option(metavar="PHRASE", help="an entry holding any of these phrases is routed"),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(metavar="PHRASE", help="an entry holding any of these is not routed"),
    ] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option(metavar="ID", help="only entries of this general feed (id or prefix)"),
    ] = None,
    description: Annotated[str | None, typer.Option(help="a sentence on the subject")] = None,
    backfill: Annotated[
        bool,
        typer.Option(
            "--backfill", help="route the entries general feeds captured before to it too"
        ),
    ] = False,
    actor: AsOperator = None,
) -> None:
    """Define a subject (again: replace its title and rules). Entries of general feeds holding
    a --match phrase (whole words, any case) and no --exclude phrase are routed to it."""
    from domain.routing import Rules
    from services.feeds import get_feed
    from services.subjects import define_subject

    with opened() as archive:
        feeds = [get_feed(archive, f).feed_id for f in feed or ()]
        rules = Rules.of(match or (), exclude or (), feeds)
        with progress_bar() as bar:
            task = bar.add_task("routing captured entries", total=None)
            defined = define_subject(
                archive,
                slug,
                title,
                rules,
                description=description,
                backfill=backfill,
                progress=lambda count: bar.advance(task, count),
                actor=actor or operator_name(),
            )
    verb = "redefined" if defined.redefined else "defined"
    say(f"{verb} {slug}: {defined.subject.title}; routes {rules.describe()}")
    if defined.backfilled is not None:
        found = defined.backfilled
        say(f"backfill: routed {found.routed} captured entries, appended {found.reports} reports")


@subjects_app.command("list")
@plain_errors
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
    include_hidden: Annotated[bool, typer.Option("--all", help="hidden subjects too")] = False,
) -> None:
    """Subjects, the most recently changed first: title, rules, figures, last change."""
    from services.formats import subject_json
    from services.subjects import list_subjects

    with opened() as archive:
        found = list_subjects(archive, include_hidden=include_hidden)
    if as_json:
        print_json([subject_json(listing) for listing in found])
        return
    if not found:
        say("no subjects yet: `recount subjects add SLUG --title …` defines one")
        return
    out.print(_table(found))


def _table(found: list[Listing]) -> Table:
    shown = table("subject", "rules", "last change")
    for listing in found:
        subject = listing.subject
        name = subject.slug if subject.title is None else f"{subject.title}\n{subject.slug}"
        if subject.hidden:
            name += "\n(hidden)"
        last = shown_time(listing.last_change) if listing.last_change else "-"
        shown.add_row(name, subject.rules.describe(), last)
    return shown


@subjects_app.command("rename")
@plain_errors
def rename(
    old: Annotated[str, typer.Argument(help="the subject's slug now")],
    new: Annotated[str, typer.Argument(help="its new slug")],
    actor: AsOperator = None,
) -> None:
    """Rename a subject; its old slug keeps answering, pointing at the new one."""
    from services.subjects import rename_subject

    with opened() as archive:
        rename_subject(archive, old, new, actor or operator_name())
    say(f"renamed {old} to {new}: {old} now points at {new}")


@subjects_app.command("merge")
@plain_errors
def merge(
    source: Annotated[str, typer.Argument(metavar="FROM", help="the subject merged away")],
    into: Annotated[str, typer.Argument(metavar="INTO", help="the subject it becomes part of")],
    actor: AsOperator = None,
) -> None:
    """Merge FROM into INTO: from now on their figures are one; as of before, they are apart."""
    from services.subjects import merge_subjects

    with opened() as archive:
        merge_subjects(archive, source, into, actor or operator_name())
    say(f"merged {source} into {into}: {source} now points at {into}")


@subjects_app.command("hide")
@plain_errors
def hide(slug: Annotated[str, typer.Argument()], actor: AsOperator = None) -> None:
    """Leave a subject out of the lists (its pages and figures stay)."""
    from services.subjects import hide_subject

    with opened() as archive:
        hide_subject(archive, slug, actor or operator_name())
    say(f"{slug} is hidden from the lists")


@subjects_app.command("show")
@plain_errors
def show(slug: Annotated[str, typer.Argument()], actor: AsOperator = None) -> None:
    """List a hidden subject again."""
    from services.subjects import show_subject

    with opened() as archive:
        show_subject(archive, slug, actor or operator_name())
    say(f"{slug} is listed")
