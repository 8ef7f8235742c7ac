"""The application factory: each app gets its archive from the settings it is given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.answers import AnswerCache
from api.collector import settle_the_heap
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.metrics import AnswerTimer, Metrics
from api.positions import WritePosition
from api.routes import (
    atom,
    desk,
    docs,
    events,
    feeds,
    figures,
    health,
    log,
    memento,
    pages,
    reports,
    review,
    search,
    subjects,
)
from api.threads import favour_the_loop, write_pool
from services.archive import Archive
from services.log import head_watch
from services.replica import Reads
from services.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    archive = Archive.open(settings)
    reads = Reads.open(archive)
    metrics = Metrics(reads)
    head = head_watch(archive)
    writes = write_pool()
    favour_the_loop()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        settle_the_heap()  # built and imported: what the process holds now lives as long as it
        yield
        writes.shutdown()
        head.close()
        reads.close()
        archive.close()

    app = FastAPI(
        title="Recount",
        summary="An archive of reported figures: every report, every revision, provably.",
        version="0.1.0",
        lifespan=lifespan,
        # Served by api/routes/docs.py from the package's own files: no CDN, no inline script.
        docs_url=None,
        redoc_url=None,
        # Recount's metrics are its own (/metrics). FastAPI's OpenTelemetry hooks look for the
        # global providers on every request even when none is set up: off.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.archive = archive
    app.state.reads = reads
    app.state.metrics = metrics
    app.state.watch = head  # the event loop's own reader: the head, a write's token
    app.state.writes = writes  # the threads reports are appended on (api/threads.py)
    errors.install(app)
    if reads.replica is None:  # a replica's answers may be behind the primary's head
        app.add_middleware(AnswerCache, head=head)  # innermost: a kept answer gets every header
    app.add_middleware(BodyLimit)
    app.add_middleware(WritePosition)
    app.add_middleware(AnswerTimer, metrics=metrics)
    app.add_middleware(SecurityHeaders)
    app.include_router(subjects.router)
    app.include_router(figures.router)
    app.include_router(reports.router)
    app.include_router(review.router)
    app.include_router(events.router)
    app.include_router(memento.router)
    app.include_router(atom.router)  # before the pages: `/subjects/{subject}` would take `.atom`
    app.include_router(pages.router)
    app.include_router(desk.router)
    app.include_router(search.router)
    app.include_router(search.pages)
    app.include_router(docs.router)
    app.mount("/static/swagger-ui", StaticFiles(directory=docs.SWAGGER_UI), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.include_router(feeds.router)
    app.include_router(log.router)
    app.include_router(health.router)
    return app
