"""HTTP security headers. The CSP also guarantees that pages load nothing from other hosts."""

from __future__ import annotations

from flask import Flask, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'"
)


def init_app(app: Flask) -> None:
    """Add the headers to every response."""

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not _is_static(request.endpoint) and not response.cache_control.public:
            # Pages and downloads show one user's data: no browser or proxy may keep them
            # (the back button after logout, a shared computer). Assets carry nothing
            # private, nor does a view that declares its response public (plotly.js).
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))
