"""The analyst pages under `/ui`: static HTML and JavaScript from the package (no key needed for them; their
scripts call `/v1` with the key the person gives, sent as `Authorization: Bearer`). Nothing is loaded from
another host: cytoscape.js is vendored in `api/static/vendor`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter
from fastapi import Path as PathParameter
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from sockhound import palette

STATIC_DIRECTORY: Final = Path(__file__).resolve().parent.parent / "static"
# Scripts, styles and calls only from this origin; the pages may not be framed.
PAGE_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(prefix="/ui", include_in_schema=False)


def page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC_DIRECTORY / name).read_text(encoding="utf-8"), headers=PAGE_HEADERS)


@router.get("/")
async def networks_page() -> HTMLResponse:
    return page("index.html")


@router.get("/networks/{network_id}")
async def network_page(network_id: Annotated[str, PathParameter(min_length=1, max_length=128)]) -> HTMLResponse:
    return page("network.html")


@router.get("/palette.json")
async def palette_json() -> JSONResponse:
    """The colours the page draws with: the report's (sockhound/palette.py), so both read alike."""
    return JSONResponse(palette.as_json(), headers=PAGE_HEADERS)


def static_files() -> StaticFiles:
    """The pages' scripts, styles and vendored libraries, for mounting at `/ui/static`."""
    return StaticFiles(directory=STATIC_DIRECTORY)
