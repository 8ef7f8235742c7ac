"""Subjects: list and read them openly; define, rename, merge, hide and show with a token.

Each write appends one subject event (named for the token in its metadata) and answers with the
subject as it then stands. A name renamed or merged away answers 301 to its new name, on these
routes as on every route under `/subjects/{subject}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from api import errors
from api.deps import ArchiveDep, RequireToken, SubjectPath
from api.schemas import SubjectIn, SubjectMergeIn, SubjectOut, SubjectRenameIn
from domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    SubjectMoved,
    Unauthorized,
    UnknownFeed,
    UnknownSubject,
)
from domain.routing import Rules
from services import subjects
from services.feeds import get_feed

router = APIRouter(prefix="/v1", tags=["subjects"])
WRITE = errors.documented(InvalidInput, Unauthorized, Forbidden, Conflict, body=True)


@router.get("/subjects", responses=errors.documented(InvalidInput))
def list_subjects(archive: ArchiveDep, hidden: bool = False) -> list[SubjectOut]:
    """Every subject answering under its own name, the most recently changed first, with its
    title, rules and each figure's current value (`hidden=true`: hidden ones too)."""
    return [SubjectOut.of(s) for s in subjects.list_subjects(archive, include_hidden=hidden)]


@router.get(
    "/subjects/{subject}",
    responses=errors.documented(InvalidInput, UnknownSubject, SubjectMoved),
)
def get_subject(subject: SubjectPath, archive: ArchiveDep) -> SubjectOut:
    """One subject: its title, rules, figures' current values and last change."""
    return SubjectOut.of(subjects.listing(archive, subject))


@router.post(
    "/subjects",
    status_code=errors.CREATED,
    responses=WRITE | errors.documented(UnknownFeed),
)
def define(body: SubjectIn, archive: ArchiveDep, token: RequireToken) -> SubjectOut:
    """Define a subject (again: replace its title and rules); `backfill` routes to it what
    general feeds captured before."""
    feeds = [get_feed(archive, feed).feed_id for feed in body.feeds]
    rules = Rules.of(body.match, body.exclude, feeds)
    subjects.define_subject(
        archive,
        body.subject,
        body.title,
        rules,
        description=body.description,
        backfill=body.backfill,
        actor=token.name,
        via="http",
    )
    return SubjectOut.of(subjects.listing(archive, body.subject))


@router.post("/subjects/{subject}/rename", responses=WRITE | errors.documented(UnknownSubject))
def rename(
    subject: SubjectPath, body: SubjectRenameIn, archive: ArchiveDep, token: RequireToken
) -> SubjectOut:
    """Rename; the old name answers 301 to the new one from now on."""
    subjects.rename_subject(archive, subject, body.new_subject, token.name, "http")
    return SubjectOut.of(subjects.listing(archive, body.new_subject))


@router.post("/subjects/{subject}/merge", responses=WRITE | errors.documented(UnknownSubject))
def merge(
    subject: SubjectPath, body: SubjectMergeIn, archive: ArchiveDep, token: RequireToken
) -> SubjectOut:
    """Merge into `into`: one subject from now on; as of before, two."""
    subjects.merge_subjects(archive, subject, body.into, token.name, "http")
    return SubjectOut.of(subjects.listing(archive, body.into))


@router.post("/subjects/{subject}/hide", responses=WRITE | errors.documented(UnknownSubject))
def hide(subject: SubjectPath, archive: ArchiveDep, token: RequireToken) -> SubjectOut:
    """Leave the subject out of the lists; its figures and pages stay."""
    subjects.hide_subject(archive, subject, token.name, "http")
    return SubjectOut.of(subjects.listing(archive, subject))


@router.post("/subjects/{subject}/show", responses=WRITE | errors.documented(UnknownSubject))
def show(subject: SubjectPath, archive: ArchiveDep, token: RequireToken) -> SubjectOut:
    """List a hidden subject again."""
    subjects.show_subject(archive, subject, token.name, "http")
    return SubjectOut.of(subjects.listing(archive, subject))
