"""Extraction commands: measure the extractor on a gold file, and re-run it over the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import opened, out, plain_errors, print_json, progress_bar
from domain.errors import InvalidInput

commands = typer.Typer()  # merged into `recount` by cli/main.py


@commands.command("extract-eval")
@plain_errors
def extract_eval(
    gold: Annotated[
        list[Path], typer.Argument(help="one or more gold files in the form of figures.jsonl")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="the scores as one JSON object")] = False,
) -> None:
    """Precision, recall and F1 of the extractor on hand-labelled sentences.

    With several files: one line per file, then the union of them all in full (per metric,
    qualifier and status, with every miss and false positive).
    """
    from ingest.extract.evaluation import Evaluation, evaluate

    each = {}
    for path in gold:
        try:
            each[str(path)] = evaluate(path)
        except (OSError, ValueError, KeyError) as error:
            raise InvalidInput(f"cannot use gold file {path}: {error}") from None
    if len(gold) == 1:
        (result,) = each.values()
        if as_json:
            print_json(result.to_json())
        else:
            out.print(result.render())
        return
    union = Evaluation()
    for evaluation in each.values():
        union.add(evaluation)
    if as_json:
        files = {path: evaluation.to_json() for path, evaluation in each.items()}
        print_json({"files": files, "union": union.to_json()})
        return
    lines = [f"{path}\n  {evaluation.headline()}" for path, evaluation in each.items()]
    lines.append(f"\nunion of {len(each)} files\n{union.render()}")
    out.print("\n".join(lines))


@commands.command("reextract")
@plain_errors
def reextract_command(
    subject: Annotated[str, typer.Option(help="the subject whose documents to re-read")],
) -> None:
    """Re-run the current extractor over a subject's captured documents and correct the log."""
    from services.reextract import reextract

    with opened() as archive, progress_bar() as bar:
        task = bar.add_task("re-extracting", total=None)
        result = reextract(archive, subject, progress=lambda: bar.advance(task))
    out.print(
        f"{result.documents} documents: appended {result.appended} reports, retracted "
        f"{result.retracted}, {result.unchanged} found again"
    )
