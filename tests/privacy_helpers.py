"""Checks shared by the privacy tests: every route of a blueprint refuses a user outside the
organization (the external contour, another organization's curator), and a crawl of the
pages a user reaches by links."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Container, Iterable, Mapping

HREF = re.compile(r'href="(/[^"#]*)"')
SKIPPED = ("/logout", "/static/", "/bootstrap/", "/lang/")
PAGE_LIMIT = 400


def assert_routes_refused(app, client, prefix: str, ids: Mapping[str, int],
                          hidden: Iterable[str], skip: Container[str] = ()) -> int:
    """GET and POST every route of the endpoints starting with ``prefix`` (but ``skip``) with
    ``ids`` as URL arguments, as the signed-in user: each answers 403 or 404 and shows none of
    ``hidden``. The form token check is off so that a POST reaches the scope check. Returns
    how many requests were checked (the caller asserts a floor: a renamed blueprint would
    otherwise check nothing)."""
    hidden = list(hidden)
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    try:
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(prefix) or rule.endpoint in skip:
                continue
            url = rule.build({a: ids[a] for a in rule.arguments}, append_unknown=False)[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method, data={"submit": "1"})
                checked += 1
                assert response.status_code in (403, 404), (method, url, response.status_code)
                body = response.get_data(as_text=True)
                assert not [n for n in hidden if n in body], (method, url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return checked


def crawl(client) -> dict[str, str]:
    """Every page reachable by links from the home page: url → body."""
    seen: dict[str, str] = {}
    queue = deque(["/"])
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.popleft()
        if url in seen or url.startswith(SKIPPED):
            continue
        response = client.get(url)
        body = response.get_data(as_text=not response.headers.get(
            "Content-Disposition", "").startswith("attachment"))
        response.close()
        seen[url] = body if isinstance(body, str) else body.decode("utf-8", "replace")
        if response.mimetype == "text/html":
            queue.extend(link.replace("&amp;", "&") for link in HREF.findall(seen[url]))
    return seen
