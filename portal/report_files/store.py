"""Keeping an upload's preview on the server between the upload and its confirmation.

A preview is a JSON file under the instance folder (never in the database), bound to the
user, the kind of upload, its owner (organization or municipality) and the period.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from portal.files import private_folder, write_private
from portal.report_files.parse import KIND_REPORT
from portal.reports.models import Period

PREVIEW_MAX_AGE = 2 * 3600  # seconds a preview waits for its confirmation
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _folder() -> Path:
    return private_folder(Path(current_app.instance_path) / "report-uploads")


def _expire_old(folder: Path) -> None:
    limit = time.time() - PREVIEW_MAX_AGE
    for path in [*folder.glob("*.json"), *folder.glob("*.saved")]:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # another worker removed it first
            pass


def store(payload: dict, user_id: int, filename: str) -> str:
    """Keep a parsed upload for its confirmation; returns the random token naming it."""
    folder = _folder()
    _expire_old(folder)
    token = secrets.token_urlsafe(24)
    payload = {**payload, "user": user_id, "filename": filename[:200],
               "created": time.time()}
    temporary = folder / f".{token}.tmp"
    write_private(temporary, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    temporary.replace(folder / f"{token}.json")
    return token


def load(token: str, user_id: int, kind: str, owner_id: int, period: Period) -> dict | None:
    """The stored upload, only for the user who made it and the tenant and period in the URL."""
    if not _TOKEN.match(token or ""):
        return None
    path = _folder() / f"{token}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    owner_key = "organization" if kind == KIND_REPORT else "municipality"
    if payload.get("user") != user_id or payload.get("kind") != kind \
            or payload.get(owner_key) != owner_id or payload.get("period") != period.id \
            or time.time() - payload.get("created", 0) > PREVIEW_MAX_AGE:
        return None
    return payload


def discard(token: str, saved_by: int | None = None) -> None:
    """Forget a preview; ``saved_by``: it was saved by this user, which a page opened again
    later (the browser's back button) tells them instead of answering 404."""
    if not _TOKEN.match(token or ""):
        return
    if saved_by is not None:
        write_private(_folder() / f"{token}.saved", str(saved_by).encode())
    (_folder() / f"{token}.json").unlink(missing_ok=True)


def was_saved(token: str, user_id: int) -> bool:
    """Whether ``user_id`` saved the upload ``token`` (kept as long as a preview would be)."""
    if not _TOKEN.match(token or ""):
        return False
    try:
        return (_folder() / f"{token}.saved").read_text() == str(user_id)
    except OSError:
        return False


# -- working out the preview ---------------------------------------------------------------
