"""The API's documentation, served from the project itself so that it works offline.

Swagger UI's files come from the swagger-ui-bundle package (mounted at /static/swagger-ui) and
the page that starts it is a static script of ours: no CDN, no inline script. The page's own
Content-Security-Policy lets it run script from this origin alone and fetch /openapi.json;
every other page keeps the policy with no script at all.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from api.routes.pages import templates

SWAGGER_UI = swagger_ui_path
router = APIRouter(include_in_schema=False)

DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    response = templates.TemplateResponse(request, "docs.html", {"permalink": None})
    response.headers["Content-Security-Policy"] = DOCS_POLICY
    return response
