"""The attendee page and the attendee wheel, served over plain HTTP on the hub's port.

A phone in the room opens ``http://HOST:PORT/`` and gets one small page (HTML, CSS and
JavaScript from package data, no build step, nothing from elsewhere) that speaks protocol
v1 over the same port's websocket. The same port also serves the ``fireside-ask`` wheel,
so the printed ``pipx`` command works before the client is on the package index.

Browsers are welcome from the hub's own origin only: ``origin_allowed`` accepts the page's
origin (same host and port as the request, ``https`` under TLS) with no setting, and
``--allow-origin`` adds others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.utils import formatdate
from importlib import resources

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from .wheel import build_wheel, wheel_filename

#: The page's files, by the path they are served at.
PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
}
# A Host header goes into the CSP; anything but a plain host[:port] is left out of it.
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class Asset:
    """One file the hub serves over HTTP, with what its headers need."""

    body: bytes
    content_type: str
    etag: str


def _asset(body: bytes, content_type: str) -> Asset:
    return Asset(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def page_asset(path: str) -> Asset | None:
    """The page file served at ``path``, read from package data; ``None`` if there is none."""
    entry = PAGE_FILES.get("/" if path == "/index.html" else path)
    if entry is None:
        return None
    filename, content_type = entry
    body = resources.files("fireside").joinpath("web", filename).read_bytes()
    return _asset(body, content_type)


def page_weight() -> int:
    """Bytes of every file of the page, uncompressed (the issue's budget is 50 KB)."""
    assets = [page_asset(path) for path in PAGE_FILES]
    return sum(len(asset.body) for asset in assets if asset is not None)


def is_websocket(request: Request) -> bool:
    """Whether the request asks to become a websocket (else it is plain HTTP)."""
    return "websocket" in request.headers.get("Upgrade", "").lower()


def origin_allowed(request: Request, tls: bool, allowed: tuple[str, ...]) -> bool:
    """Whether a handshake's ``Origin`` may connect: none (terminals), listed, or our own."""
    origin = request.headers.get("Origin")
    if origin is None or origin in allowed:
        return True
    host = request.headers.get("Host", "")
    scheme = "https" if tls else "http"
    return bool(_HOST.fullmatch(host)) and origin.lower() == f"{scheme}://{host}".lower()


def content_security_policy(host: str, tls: bool) -> str:
    """The page's CSP: nothing inline, nothing from elsewhere, talk only to this hub."""
    connect = "'self'"
    if _HOST.fullmatch(host):
        # 'self' covers ws: and wss: in CSP 3; older browsers need the hub named.
        connect += f" {'wss' if tls else 'ws'}://{host}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {connect}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _response(status: int, reason: str, asset: Asset, extra: dict[str, str]) -> Response:
    headers = Headers()
    headers["Date"] = formatdate(usegmt=True)
    headers["Content-Type"] = asset.content_type
    body = b"" if status == 304 else asset.body
    headers["Content-Length"] = str(len(body))
    headers["ETag"] = asset.etag
    # Always ask again (a hub upgrade changes the files); the ETag makes asking cheap.
    headers["Cache-Control"] = "no-cache"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Connection"] = "close"
    for name, value in extra.items():
        headers[name] = value
    return Response(status, reason, headers, body)


def serve_http(request: Request, tls: bool) -> Response:
    """Answer a plain HTTP GET: the page, its files, the wheel, or 404."""
    path = request.path.split("?", 1)[0]
    extra: dict[str, str] = {}
    asset = page_asset(path)
    if asset is not None and path in ("/", "/index.html"):
        extra["Content-Security-Policy"] = content_security_policy(
            request.headers.get("Host", ""), tls
        )
        extra["X-Frame-Options"] = "DENY"
    elif asset is None and path == "/" + wheel_filename():
        wheel = build_wheel()
        asset = _asset(wheel.data, "application/zip")
        extra["Content-Disposition"] = f'attachment; filename="{wheel.filename}"'
    if asset is None:
        return _response(404, "Not Found", _asset(b"Not found.\n", "text/plain"), {})
    if request.headers.get("If-None-Match") == asset.etag:
        return _response(304, "Not Modified", asset, extra)
    return _response(200, "OK", asset, extra)
