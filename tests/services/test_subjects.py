"""Subjects: a general feed routed by rules, backfill, a second subject's ingest, renames,
merges and hiding, as the figures show them, at every position that matters, and after replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import Conflict, SubjectMoved, UnknownSubject
from domain.figures import Window
from domain.routing import Rules
from services import audit
from services.capture import ingest_source
from services.figures import figure_history, figures_as_of, stream_figures
from services.subjects import (
    define_subject,
    hide_subject,
    list_subjects,
    merge_subjects,
    rename_subject,
    show_subject,
)
from store.events import EventStore

WORLD = str(Path(__file__).parent.parent / "fixtures" / "general" / "world.atom")
VALORIA = "valoria-earthquake-2026"
MARENLAND = "marenland-floods-2026"
KORVATH = "korvath-mine-2026"


def entries_of(archive, subject: str) -> set[str]:
    """The feed entries (by their last path segment) whose reports a subject holds."""
    _, streams = stream_figures(archive, [subject])
    return {r.source.url.rsplit("/", 1)[-1] for s in streams for r in s.reports}


def define_two(archive) -> None:
    define_subject(
        archive, VALORIA, "Valoria earthquake", Rules.of(["earthquake", "quake"], ["football"])
    )
    define_subject(
        archive, MARENLAND, "Marenland floods", Rules.of(["flood", "floods", "flooding"])
    )


def head(archive) -> int:
    return EventStore.head(archive.events)


def test_a_general_feed_routes_each_entry_to_every_subject_whose_rules_it_meets(archive):
    define_two(archive)
    done = ingest_source(archive, WORLD, None)
    assert (done.new, done.routed) == (12, 7)
    assert entries_of(archive, VALORIA) == {"q1", "q2", "q3", "b1"}
    assert entries_of(archive, MARENLAND) == {"f1", "f2", "b1"}
    listed = {item.subject.slug for item in list_subjects(archive)}
    assert listed == {VALORIA, MARENLAND}  # the noise made no subject
    current = figure_history(archive, VALORIA, "deaths")[0].current
    assert current is not None and current.value == 41


def test_a_subject_defined_later_backfills_its_entries_and_running_again_appends_nothing(archive):
    define_two(archive)
    ingest_source(archive, WORLD, None)
    rules = Rules.of(["mine collapse", "korvath mine"])
    first = define_subject(archive, KORVATH, "Korvath mine", rules, backfill=True)
    assert first.backfilled is not None and first.backfilled.routed == 2
    assert entries_of(archive, KORVATH) == {"m1", "m2"}
    before = head(archive)
    again = define_subject(archive, KORVATH, "Korvath mine", rules, backfill=True)
    assert again.backfilled is not None and again.backfilled.routed == 0
    assert ingest_source(archive, WORLD, None).unchanged == 12
    assert head(archive) == before


def test_a_document_ingested_for_a_second_subject_yields_its_reports_without_a_second_capture(
    archive,
):
    ingest_source(archive, WORLD, "wire-world")
    second = ingest_source(archive, WORLD, "valoria-local")
    assert (second.documents, second.routed) == (0, 12)
    assert entries_of(archive, "valoria-local") == entries_of(archive, "wire-world")
    captured = [e for e in archive.events.read() if e.type == "DocumentCaptured"]
    assert len(captured) == 12
    assert ingest_source(archive, WORLD, "valoria-local").unchanged == 12


def test_renamed_and_merged_subjects_answer_under_their_new_name_and_apart_before(archive):
    ingest_source(archive, WORLD, "valoria-local")
    define_subject(archive, KORVATH, "Korvath mine", Rules.of(["korvath"]))
    ingest_source(archive, WORLD, None)
    rename_subject(archive, "valoria-local", "valoria-region")
    with pytest.raises(SubjectMoved) as moved:
        figures_as_of(archive, "valoria-local")
    assert moved.value.to == "valoria-region"
    region_before = figures_as_of(archive, "valoria-region")
    before_merge = head(archive)

    merge_subjects(archive, KORVATH, "valoria-region")
    with pytest.raises(SubjectMoved):
        figures_as_of(archive, KORVATH)
    merged = {f.metric: f.reports_total for f in figures_as_of(archive, "valoria-region").figures}
    apart = {f.metric: f.reports_total for f in region_before.figures}
    korvath = figures_as_of(archive, KORVATH, Window(at_position=before_merge))
    assert merged["missing"] == apart["missing"] + 1  # Korvath's "14 missing" joined
    assert {f.metric: f.reports_total for f in korvath.figures} == {"deaths": 1, "missing": 1}
    pinned = figures_as_of(archive, "valoria-region", Window(at_position=before_merge))
    assert [f.reports_total for f in pinned.figures] == [
        f.reports_total for f in region_before.figures
    ]
    assert {item.subject.slug for item in list_subjects(archive)} == {"valoria-region"}
    assert audit.replay_check(archive) is None
    audit.replay(archive)
    assert {
        f.metric: f.reports_total for f in figures_as_of(archive, "valoria-region").figures
    } == merged


def test_reports_fed_to_an_old_name_land_under_the_new_one(archive):
    define_subject(archive, "valoria-typo", "Valoria", Rules.of(["earthquake"]))
    rename_subject(archive, "valoria-typo", VALORIA)
    ingest_source(archive, WORLD, None)
    assert entries_of(archive, VALORIA) == {"q1", "q2", "q3", "b1"}
    reports = {r.subject for s in stream_figures(archive, [VALORIA])[1] for r in s.reports}
    assert reports == {VALORIA}


def test_a_hidden_subject_leaves_the_lists_and_comes_back_when_shown(archive):
    define_two(archive)
    ingest_source(archive, WORLD, None)
    hide_subject(archive, MARENLAND)
    assert [i.subject.slug for i in list_subjects(archive)] == [VALORIA]
    assert {i.subject.slug for i in list_subjects(archive, include_hidden=True)} == {
        VALORIA,
        MARENLAND,
    }
    assert figures_as_of(archive, MARENLAND).figures  # its figures stay
    before = head(archive)
    hide_subject(archive, MARENLAND)
    assert head(archive) == before  # hiding twice appends nothing
    show_subject(archive, MARENLAND)
    assert len(list_subjects(archive)) == 2


def test_renaming_onto_a_name_in_use_or_an_unknown_subject_is_refused_and_changes_nothing(archive):
    define_two(archive)
    before = head(archive)
    with pytest.raises(Conflict, match="already exists"):
        rename_subject(archive, VALORIA, MARENLAND)
    with pytest.raises(UnknownSubject):
        merge_subjects(archive, "no-such-subject", VALORIA)
    with pytest.raises(Conflict, match="into itself"):
        merge_subjects(archive, VALORIA, VALORIA)
    merge_subjects(archive, VALORIA, MARENLAND)
    with pytest.raises(Conflict, match=f"now '{MARENLAND}'"):
        rename_subject(archive, VALORIA, "valoria-again")
    assert head(archive) == before + 1
