"""One-time set-password links: signed, expiring, void once the password changes or a newer
link is issued."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import User
from portal.database import Refusal
from portal.extensions import db

_SALT = "set-password"


class InvalidLink(Refusal):
    """The link is forged, expired or already used; ``reason`` says which for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    # Binding the token to the current hash makes it single-use: setting the password
    # (or any later reset) changes the hash and voids every link issued before. The link
    # generation does the same when a newer link is issued.
    material = f"{user.password_hash or '-'}|{user.link_generation}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def make_token(user: User) -> str:
    """A token that lets ``user`` set a password once within the configured time.

    Only the newest link works: issuing one voids the older ones (flushes the account).
    """
    user.link_generation += 1
    db.session.flush()
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def set_password_url(user: User) -> str:
    """The absolute link an administrator hands over (there is no mail server)."""
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + url_for("auth.set_password", token=make_token(user))


def user_for_token(token: str) -> User:
    """The user a valid token belongs to; raises :class:`InvalidLink` otherwise."""
    max_age = int(current_app.config["SET_PASSWORD_LINK_MAX_AGE"].total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidLink("expired") from exc
    except BadSignature as exc:
        raise InvalidLink("invalid") from exc
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active:
        raise InvalidLink("invalid")
    if data.get("fp") != _fingerprint(user):
        raise InvalidLink("used")
    return user
