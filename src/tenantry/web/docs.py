"""``/docs``: the interactive API reference (Swagger UI), served from files vendored into
/static (swagger-ui-dist, pinned in the folder name), so it works offline and under the
dashboard's Content-Security-Policy: no CDN, no inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tenantry.web._render import render

SWAGGER_UI = "swagger-ui-5.35.0"  # static/<this>/ holds the npm package's files

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "docs.html", swagger_ui=SWAGGER_UI)
