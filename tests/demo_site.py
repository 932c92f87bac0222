"""The demo region on its own database, and a crawler that visits every page a role can reach.

The pages are fetched in process (Flask's test client), so a whole role's site is read in a
few seconds; tests/test_wording.py reads the Russian visible text of each.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from portal.demo import DEMO_PASSWORD

LINK = re.compile(r'<a\b[^>]*\bhref="([^"#]*)', re.S)
# Links not followed: they change nothing but lead out of the page set or repeat it.
SKIPPED = re.compile(r"^/(logout|static/|set-password/)|[?&]page=[3-9]|[?&](q|sort)=")
DEMO_ROLES = ["admin", "region", "ozersk", "berezovka", "curator", "head", "curator.ds3",
              "curator.college"]


def log_in(client, login: str) -> None:
    """Log ``client`` in as a demo account."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"login": login, "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, login


def _normalised(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: str = "/", limit: int = 400) -> Iterator[tuple[str, object]]:
    """Every same-site page reachable by links from ``start``: (url, response), GETs only."""
    seen, queue = {start}, [start]
    while queue and len(seen) <= limit:
        url = queue.pop(0)
        response = client.get(url)
        yield url, response
        response.close()  # a stored document is sent as an open file
        if response.status_code in (301, 302, 303):
            hrefs = [response.headers["Location"]]
        elif response.mimetype == "text/html":
            hrefs = LINK.findall(response.get_data(as_text=True))
        else:
            continue
        for href in hrefs:
            target = _normalised(urljoin(url, html_lib.unescape(href)))
            if urlsplit(href).netloc or not target.startswith("/") or SKIPPED.search(target):
                continue
            if target not in seen:
                seen.add(target)
                queue.append(target)


def save_a_value(client, form_url: str, code: str, value: str) -> None:
    """Save the draft of the report at ``form_url`` with one value changed (as a curator)."""
    page = client.get(form_url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(v:[\w]+)" value="([^"]*)"', page))
    fields[f"v:{code}"] = value
    fields.update(csrf_token=re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
                  version=re.search(r'name="version" value="([^"]*)"', page).group(1),
                  action="save")
    assert client.post(form_url, data=fields).status_code == 302
