"""Operations: liveness, readiness and Prometheus metrics, for load balancers and monitoring.

`/healthz` answers while the process runs (restart it if not); `/readyz` answers 200 only when
it can serve (send it traffic), else 503 naming what is wrong; `/metrics` is Prometheus' text
format (api/metrics.py). None of them writes anything.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from api import errors
from api.metrics import Metrics
from domain.errors import NotReady
from services.health import readiness
from services.replica import Reads

router = APIRouter(tags=["operations"])

METRICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}
}


class Alive(BaseModel):
    status: str


class Ready(BaseModel):
    """Each check and what it found (`primary`, `replica`, `replica lag`)."""

    status: str
    checks: dict[str, str]


@router.get("/healthz")
async def healthz() -> Alive:
    """The process is up (it does not look at the database: that is /readyz)."""
    return Alive(status="ok")


@router.get("/readyz", responses=errors.documented(NotReady))
def readyz(request: Request) -> Ready:
    """Ready to serve: the databases answer, their schema is at the code's migration, and the
    replica (if any) lags less than RECOUNT_READY_MAX_LAG; else 503 naming each failure."""
    reads: Reads = request.app.state.reads
    checks = readiness(reads)
    failing = [f"{check.name}: {check.detail}" for check in checks if not check.ok]
    if failing:
        raise NotReady("; ".join(failing))
    return Ready(status="ready", checks={check.name: check.detail for check in checks})


@router.get("/metrics", response_class=Response, responses=METRICS)
def metrics(request: Request) -> Response:
    """Prometheus metrics: the log head, appends, replica lag, figure answer times, polls."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.exposition(), media_type=CONTENT_TYPE_LATEST)
