"""The application factory: each app gets its archive from the settings it is given."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.routes import events, feeds, figures, log, memento, pages, reports
from services.archive import Archive
from services.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    archive = Archive.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        archive.close()

    app = FastAPI(
        title="Recount",
        summary="An archive of reported figures: every report, every revision, provably.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI and ReDoc load script from a CDN and run inline script, which the pages'
        # Content-Security-Policy forbids; the contract itself stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.archive = archive
    errors.install(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.include_router(figures.router)
    app.include_router(reports.router)
    app.include_router(events.router)
    app.include_router(memento.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.include_router(feeds.router)
    app.include_router(log.router)
    return app
