"""What stands between the network and the dashboard: HTTP Basic login against a file of hashed
passwords, and the refusal of cross-origin writes.

The auth file has one line per user, `user:salt:hash`, where salt and hash are hex and the hash is
scrypt(password, salt, n=2**14, r=8, p=1, dklen=32). Blank lines and lines starting with # are skipped.
Write a line with `python -m dashboards.security USER >> users.txt` (it asks for the password).
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def content_security_policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy of every response. Scripts only from this server, plus the inline
    scripts Dash writes into its page (the renderer start and the clientside callbacks), allowed by their
    hashes, never by 'unsafe-inline'. Styles need 'unsafe-inline': Dash, dash-bootstrap and plotly set
    style attributes."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def hash_line(user: str, password: str, *, salt: bytes | None = None) -> str:
    """One line of an auth file for `user`."""
    if not user or ":" in user or any(c.isspace() for c in user):
        raise ValueError("a user name is one word without ':'")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return f"{user}:{salt.hex()}:{digest.hex()}"


def read_auth_file(path: str | os.PathLike) -> dict[str, tuple[bytes, bytes]]:
    """user -> (salt, hash); raises ValueError naming the line that is not `user:salt:hash`."""
    users: dict[str, tuple[bytes, bytes]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        try:
            if len(parts) != 3 or not parts[0]:
                raise ValueError
            users[parts[0]] = (bytes.fromhex(parts[1]), bytes.fromhex(parts[2]))
        except ValueError:
            raise ValueError(f"{path}, line {number}: expected user:salt:hash (hex); "
                             "write lines with `python -m dashboards.security USER`") from None
    if not users:
        raise ValueError(f"{path} has no users; add one with `python -m dashboards.security USER`")
    return users


def check_password(users: dict[str, tuple[bytes, bytes]], user: str, password: str) -> bool:
    salt, expected = users.get(user, (b"\0" * 16, b""))
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)  # same cost for unknown users
    return bool(expected) and hmac.compare_digest(digest, expected)


def _origin_host(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def same_origin(origin: str | None, referer: str | None, host: str) -> bool:
    """A write is allowed when its Origin (else its Referer) names this host; a request with neither
    (curl, a script) is not a browser's cross-site request and is let through to the login check."""
    claimed = origin if origin and origin != "null" else referer
    if origin == "null":
        return False
    if not claimed:
        return True
    return _origin_host(claimed) == host.lower()


def protect(server: Flask, auth_file: str | os.PathLike | None = None,
            script_hashes: Callable[[], list[str]] | None = None) -> None:
    """Install the checks on the Flask server: same-origin writes, a login when `auth_file` is given, and
    the security headers. `script_hashes` gives the CSP hashes of the page's inline scripts (Dash's
    `app.csp_hashes`); it is asked at each response (a few hashes of short strings, as Dash's own page
    does), so callbacks Dash registers at its first request (the page title) are covered too."""
    users = read_auth_file(auth_file) if auth_file else None

    @server.before_request
    def _guard():  # noqa: ANN202
        if request.method in _UNSAFE_METHODS and not same_origin(
                request.headers.get("Origin"), request.headers.get("Referer"), request.host):
            return Response("cross-origin request refused\n", status=403, mimetype="text/plain")
        if users is None:
            return None
        user, password = _basic_credentials(request.headers.get("Authorization", ""))
        if user is None or not check_password(users, user, password):
            return Response("login required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Basic realm="ceasefire tracker", charset="UTF-8"'})
        g.user = user
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(script_hashes() if script_hashes else ()))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _basic_credentials(header: str) -> tuple[str | None, str]:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None, ""
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, ""
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, "")


def main(argv: list[str] | None = None) -> int:
    """`python -m dashboards.security USER`: print an auth-file line for USER (asks for the password)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dashboards.security USER >> auth.txt", file=sys.stderr)
        return 2
    password = getpass.getpass(f"password for {args[0]}: ")
    if len(password) < 8:
        print("error: use a password of at least 8 characters", file=sys.stderr)
        return 1
    print(hash_line(args[0], password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
