"""`recount review`, `confirm`, `correct`, `reject`: the desk's work on the command line.

The operator has the database in hand, so the CLI decides on any report, as an editor token
does over HTTP; each event names the operator (`--as NAME`, by default the OS user) as its
actor and `cli` as its `via`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from cli.app import opened, out, plain_errors, print_json, say, table
from cli.feeds import AsOperator, operator_name
from domain.qualifiers import stated

commands = typer.Typer()  # merged into `recount` by cli/main.py


@commands.command("review")
@plain_errors
def review_(
    subject: Annotated[str | None, typer.Option(metavar="SLUG", help="one subject only")] = None,
    limit: Annotated[int, typer.Option(metavar="N", help="readings to show (1-500)")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array of items")] = False,
) -> None:
    """The readings waiting for a look, least sure first, each number marked in its sentence."""
    from services.review import queue_items, review_queue

    with opened() as archive:
        page = review_queue(archive, subject, limit)
        items = queue_items(archive, page)
    if as_json:
        print_json([item.model_dump(mode="json") for item in items])
        return
    shown = table(("report", 12), ("reading", 24), "sentence", title=f"{page.waiting} waiting")
    for item in items:
        sentence = Text(item.quote)
        if item.highlight:
            sentence.stylize("bold reverse", *item.highlight)
        reading = Text(
            f"{item.subject}\n{item.metric}: "
            f"{stated_item(item.qualifier, item.value, item.low, item.high)}\n"
            f"{item.status}{', part of ' + item.subset_of if item.subset_of else ''}\n"
            f"confidence {item.confidence if item.confidence is not None else '-'}"
        )
        shown.add_row(item.report_id, reading, sentence)
    out.print(shown)


def stated_item(qualifier: str, value: int | None, low: int | None, high: int | None) -> str:
    from domain.qualifiers import Qualifier

    return stated(Qualifier(qualifier), value, low, high)


@commands.command()
@plain_errors
def confirm(
    report_id: Annotated[str, typer.Argument(help="the report's id")],
    as_name: AsOperator = None,
) -> None:
    """Confirm a reading: it is right as it stands."""
    from services.review import confirm_report

    with opened() as archive:
        event = confirm_report(
            archive, report_id, as_name or operator_name(), any_report=True, via="cli"
        )
    say(f"confirmed {report_id} at position {event.position}")


@commands.command()
@plain_errors
def correct(
    report_id: Annotated[str, typer.Argument(help="the report's id")],
    reason: Annotated[str, typer.Option(help="why the reading was wrong")],
    value: Annotated[int | None, typer.Option(help="the number the source wrote")] = None,
    low: Annotated[int | None, typer.Option(help="a range's low end")] = None,
    high: Annotated[int | None, typer.Option(help="a range's high end")] = None,
    qualifier: Annotated[
        str | None, typer.Option(help="exact, at_least, more_than, nearly, around, range, …")
    ] = None,
    metric: Annotated[str | None, typer.Option(help="another metric (deaths, arrests, …)")] = None,
    status: Annotated[
        str | None, typer.Option(help="reported, previous, projection, planned, other_event, …")
    ] = None,
    breakdown_of: Annotated[
        str | None,
        typer.Option(help='the larger toll it is part of; "" makes it a headline figure'),
    ] = None,
    as_name: AsOperator = None,
) -> None:
    """Correct a reading: a new reading of the same sentence takes its place from now on."""
    from domain.review import Change
    from services.review import correct_report

    change = Change(value, low, high, qualifier, metric, status, breakdown_of)
    with opened() as archive:
        event = correct_report(
            archive,
            report_id,
            change,
            reason,
            as_name or operator_name(),
            any_report=True,
            via="cli",
        )
    new = event.data["correction"]
    say(
        f"corrected {report_id}: now report {new['report_id']}, "
        f"{new['metric']} {stated_item(new['qualifier'], new['value'], new['low'], new['high'])}"
        f" (position {event.position})"
    )


@commands.command()
@plain_errors
def reject(
    report_id: Annotated[str, typer.Argument(help="the report's id")],
    reason: Annotated[str, typer.Option(help="why it is not a figure at all")],
    as_name: AsOperator = None,
) -> None:
    """Reject a reading as not a figure at all (a retraction; it stays in the history)."""
    from services.reports import retract_report

    with opened() as archive:
        event = retract_report(
            archive, report_id, reason, as_name or operator_name(), any_report=True, via="cli"
        )
    say(f"rejected {report_id} at position {event.position}")


@commands.command()
@plain_errors
def add(
    document_id: Annotated[str, typer.Argument(help="the captured article's document id")],
    sentence: Annotated[str, typer.Option(help="the sentence, word for word as captured")],
    metric: Annotated[str, typer.Option(help="deaths, arrests, troops, …")],
    qualifier: Annotated[str, typer.Option(help="exact, at_least, more_than, nearly, …")],
    value: Annotated[int | None, typer.Option(help="the number the source wrote")] = None,
    low: Annotated[int | None, typer.Option(help="a range's low end")] = None,
    high: Annotated[int | None, typer.Option(help="a range's high end")] = None,
    status: Annotated[str, typer.Option(help="reported, previous, projection, …")] = "reported",
    unit: Annotated[str | None, typer.Option(help="people, soldiers, …")] = None,
    breakdown_of: Annotated[str | None, typer.Option(help="the larger toll it is part of")] = None,
    as_name: AsOperator = None,
) -> None:
    """Add a figure the extractor missed in a captured article (its time and source are the
    article's)."""
    from services.review import Missed, add_report

    missed = Missed(sentence, metric, value, qualifier, low, high, status, unit, breakdown_of)
    with opened() as archive:
        event = add_report(archive, document_id, missed, as_name or operator_name(), via="cli")
    say(f"added report {event.data['report_id']} at position {event.position}")
