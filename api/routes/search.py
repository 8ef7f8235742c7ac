"""Search: `GET /v1/search?q=` for programs, `/search?q=` for people (the home page's form)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from pydantic import BaseModel

from api import errors
from api.deps import ArchiveDep
from api.routes.pages import templates
from domain.errors import InvalidInput
from domain.links import web_link
from services.search import MARK_END, MARK_START, DocumentHit, search

router = APIRouter(tags=["search"], responses=errors.documented(InvalidInput))
pages = APIRouter(include_in_schema=False)

SearchQuery = Annotated[str, Query(max_length=200, description="words to look for")]


class SubjectHit(BaseModel):
    subject: str
    page: str


class DocumentHitOut(BaseModel):
    document_id: str
    version: int
    subject: str
    url: str
    title: str | None
    captured_at: datetime
    snippet: str
    memento: str | None


class SearchOut(BaseModel):
    query: str
    subjects: list[SubjectHit]
    documents: list[DocumentHitOut]


@router.get("/v1/search", response_model=SearchOut)
def search_api(archive: ArchiveDep, q: SearchQuery = "") -> SearchOut:
    """Subjects whose name holds every word, and captured articles that contain them all."""
    found = search(archive, q)
    return SearchOut(
        query=found.query,
        subjects=[SubjectHit(subject=s, page=f"/subjects/{s}") for s in found.subjects],
        documents=[_document(hit) for hit in found.documents],
    )


@pages.get("/search", response_class=HTMLResponse)
def search_page(request: Request, archive: ArchiveDep, q: SearchQuery = "") -> HTMLResponse:
    """The results as a page, each article with its matching words marked."""
    found = search(archive, q)
    context = {
        "query": q,
        "subjects": found.subjects,
        "documents": [(hit, _marked(hit.snippet), _memento(hit)) for hit in found.documents],
        "permalink": None,
        "data": "/v1/search?" + urlencode({"q": q}) if q else None,
    }
    return templates.TemplateResponse(request, "search.html", context)


def _document(hit: DocumentHit) -> DocumentHitOut:
    snippet = hit.snippet.replace(MARK_START, "").replace(MARK_END, "")
    return DocumentHitOut(
        document_id=hit.document_id,
        version=hit.version,
        subject=hit.subject,
        url=hit.url,
        title=hit.title,
        captured_at=hit.captured_at,
        snippet=snippet,
        memento=_memento(hit),
    )


def _memento(hit: DocumentHit) -> str | None:
    if web_link(hit.url) is None:
        return None
    return f"/memento/{hit.captured_at:%Y%m%d%H%M%S}/{hit.url}"


def _marked(snippet: str) -> Markup:
    """The snippet escaped, then its match markers turned into <mark>."""
    safe = str(escape(snippet))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))
