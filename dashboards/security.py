"""What stands between the network and the dashboard: only the Host names the server is reached by (no
DNS rebinding), no cross-origin writes, an HTTP Basic login against a file of hashed passwords, with failed
logins throttled per client address, and the security headers.

The auth file has one line per user, `user:HASH`, where HASH is werkzeug's `method$salt$hash`
(`werkzeug.security.generate_password_hash`, scrypt). Lines written by earlier versions, `user:salt:hash`
with salt and hash in hex (scrypt n=2**14, r=8, p=1, 32 bytes), keep working. Blank lines and lines starting
with # are skipped. Write a line with `python -m dashboards.security USER >> users.txt` (it asks for the
password).

Failed logins are counted per client address (the TCP peer; no forwarded header is trusted) in moving
windows by the `limits` library (Flask-Limiter's engine): past 10 in a minute, 20 in 10 minutes, 40 in an
hour or 100 in a day, that address is answered 429 with Retry-After until the window lets it in again, so
the wait grows with the guessing. The other addresses are not affected.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import hmac
import math
import os
import re
import secrets
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, g, request
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.security import check_password_hash, generate_password_hash

_LEGACY_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # the `user:salt:hash` lines of earlier versions
_LEGACY = "tracker-scrypt"  # how a legacy line is kept in memory: tracker-scrypt$salthex$hashhex
_METHOD = "scrypt"
_METHODS = ("scrypt", "pbkdf2")  # what werkzeug's check_password_hash verifies
MIN_SALT_BYTES = 16
LOGIN_LIMITS = "10 per minute; 20 per 10 minutes; 40 per hour; 100 per day"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_WRITE_LINE = "write the line again with `python -m dashboards.security USER`"


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


def hash_line(user: str, password: str) -> str:
    """One line of an auth file for `user`: `user:` and werkzeug's scrypt hash of the password."""
    if not user or ":" in user or any(c.isspace() for c in user):
        raise ValueError("a user name is one word without ':'")
    return f"{user}:{generate_password_hash(password, method=_METHOD, salt_length=MIN_SALT_BYTES)}"


def _parse_hash(rest: str) -> str:
    """The stored hash of one line's part after `user:`; ValueError with what is wrong with it."""
    if "$" in rest:  # werkzeug's method$salt$hash
        parts = rest.split("$")
        if len(parts) != 3 or parts[0].split(":")[0] not in _METHODS:
            raise ValueError("expected user:method$salt$hash (werkzeug) or user:salt:hash (hex)")
        salt, digest = parts[1].encode("utf-8"), parts[2]
    else:  # the earlier user:salt:hash, hex
        parts = rest.split(":")
        if len(parts) != 2:
            raise ValueError("expected user:method$salt$hash (werkzeug) or user:salt:hash (hex)")
        try:
            salt, digest = bytes.fromhex(parts[0]), parts[1]
            bytes.fromhex(digest)
        except ValueError:
            raise ValueError("the salt and the hash of a user:salt:hash line are hex") from None
    if not digest:
        raise ValueError("the hash is empty")
    if len(salt) < MIN_SALT_BYTES:
        raise ValueError(f"the salt is {len(salt)} bytes, fewer than {MIN_SALT_BYTES}")
    return rest if "$" in rest else f"{_LEGACY}${parts[0]}${digest}"


def read_auth_file(path: str | os.PathLike) -> dict[str, str]:
    """user -> stored hash; raises ValueError naming the line that is not a valid user line."""
    users: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, _, rest = line.partition(":")
        try:
            if not user or not rest:
                raise ValueError("expected user:method$salt$hash (werkzeug) or user:salt:hash (hex)")
            if user in users:
                raise ValueError(f"user {user} is already on line {lines[user]}")
            users[user], lines[user] = _parse_hash(rest), number
        except ValueError as error:
            raise ValueError(f"{path}, line {number}: {error}; {_WRITE_LINE}") from None
    if not users:
        raise ValueError(f"{path} has no users; add one with `python -m dashboards.security USER`")
    return users


_dummy: list[str] = []


def check_password(users: dict[str, str], user: str, password: str) -> bool:
    """Whether `password` is `user`'s; an unknown user costs the same hashing as a known one."""
    stored = users.get(user)
    if stored is None:
        if not _dummy:
            _dummy.append(generate_password_hash(secrets.token_hex(8), method=_METHOD))
        check_password_hash(_dummy[0], password)
        return False
    if stored.startswith(_LEGACY + "$"):
        _, salt, expected = stored.split("$")
        digest = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), **_LEGACY_SCRYPT)
        return hmac.compare_digest(digest, bytes.fromhex(expected))
    return check_password_hash(stored, password)


class LoginThrottle:
    """Failed logins per client address, in the moving windows of `limits` (LOGIN_LIMITS)."""

    def __init__(self, limits: str = LOGIN_LIMITS):
        self.items = parse_many(limits)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None when it may now."""
        over = [self.limiter.get_window_stats(item, "login", address).reset_time
                for item in self.items if not self.limiter.test(item, "login", address)]
        return max(1, math.ceil(max(over) - time.time())) if over else None

    def failed(self, address: str) -> None:
        for item in self.items:
            self.limiter.hit(item, "login", address)


class _Verified:
    """The credentials already checked, by a keyed digest of the Authorization header: the browser sends
    them with every request, and a password hash costs ~0.1 s by design."""

    def __init__(self, size: int = 256):
        self.key = secrets.token_bytes(32)
        self.size = size
        self.items: OrderedDict[bytes, str] = OrderedDict()
        self.lock = threading.Lock()

    def digest(self, header: str) -> bytes:
        return hmac.digest(self.key, header.encode("utf-8", "surrogateescape"), "sha256")

    def get(self, digest: bytes) -> str | None:
        with self.lock:
            user = self.items.get(digest)
            if user is not None:
                self.items.move_to_end(digest)
            return user

    def add(self, digest: bytes, user: str) -> None:
        with self.lock:
            self.items[digest] = user
            while len(self.items) > self.size:
                self.items.popitem(last=False)


# --- the Host and the Origin -------------------------------------------------------------------------

_HOST_NAME = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:[0-9]{1,5})?", re.IGNORECASE)


def is_host_name(name: str) -> bool:
    """Whether `name` is a host as a browser's address bar shows it: a name or address, maybe a port."""
    return bool(_HOST_NAME.fullmatch(name))


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(host: str, port: int, names: Iterable[str] = ()) -> frozenset[str]:
    """The Host values a server listening on host:port answers: loopback by its three names, the address
    it listens on, and `names` (with this port, or as given when one has a port, or bare, as a proxy in
    front sends them)."""
    loopback = {"127.0.0.1", "localhost", "[::1]", _bracketed(host.lower())}
    allowed = {f"{name}:{port}" for name in loopback}
    if str(port) == _DEFAULT_PORTS["http"]:
        allowed |= loopback
    for name in names:
        name = name.strip().lower()
        if not is_host_name(name):
            raise ValueError(f"--allowed-host: {name!r} is not a host name; give it as a browser's address bar "
                             "shows it, e.g. tracker.example or tracker.example:8443")
        allowed |= {name} if re.search(r":[0-9]+$", name) and not name.endswith("]") else {name, f"{name}:{port}"}
    return frozenset(allowed)


def _origin(scheme: str, netloc: str) -> tuple[str, str]:
    """(scheme, host[:port]) with the scheme's default port left out, lowercase."""
    scheme, netloc = scheme.lower(), netloc.lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(":" + default):
        netloc = netloc[: -len(default) - 1]
    return scheme, netloc


def same_origin(origin: str | None, referer: str | None, host: str, scheme: str = "http") -> bool:
    """A write is allowed when its Origin (else its Referer) names this server: the same scheme and host.
    One with neither is refused: a browser always sends one of them with a write (the dashboard's own
    callbacks carry Origin), so a write without is not the dashboard's."""
    if origin == "null":
        return False
    claimed = origin or referer
    if not claimed:
        return False
    parts = urlsplit(claimed)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return _origin(parts.scheme, parts.netloc) == _origin(scheme, host)


def _refuse(status: int, text: str, **headers: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain", headers=headers)


def protect(server: Flask, auth_file: str | os.PathLike | Mapping[str, str] | None = None,
            script_hashes: Callable[[], list[str]] | None = None, *,
            hosts: Collection[str] | None = None, login_limits: str = LOGIN_LIMITS) -> None:
    """Install the checks on the Flask server, in this order: the Host is one of `hosts` (when given: the
    values of `allowed_hosts()`; None checks no Host, for servers in tests), writes come from this origin,
    an address over the failed-login limits waits (429), and a login when `auth_file` is given; then the
    security headers. `auth_file` is the file's path, or what `read_auth_file` made of it. `script_hashes`
    gives the CSP hashes of the page's inline scripts (Dash's `app.csp_hashes`); it is asked at each
    response (a few hashes of short strings, as Dash's own page does), so callbacks Dash registers at its
    first request (the page title) are covered too."""
    users = (dict(auth_file) if isinstance(auth_file, Mapping) else read_auth_file(auth_file)) if auth_file else None
    allowed = frozenset(h.lower() for h in hosts) if hosts is not None else None
    throttle = LoginThrottle(login_limits) if users is not None else None
    verified = _Verified()

    @server.before_request
    def _guard():  # noqa: ANN202
        host = request.headers.get("Host", "")
        if allowed is not None and host.lower() not in allowed:
            return _refuse(403, "unknown host: this server answers only the names it is served by "
                                "(`tracker serve --allowed-host NAME` adds one)")
        if request.method in _UNSAFE_METHODS and not same_origin(
                request.headers.get("Origin"), request.headers.get("Referer"), host or request.host,
                request.scheme):
            return _refuse(403, "cross-origin request refused")
        if users is None or throttle is None:
            return None
        address = request.remote_addr or ""
        wait = throttle.retry_after(address)
        if wait is not None:
            return _refuse(429, f"too many failed logins from this address; try again in {wait} s",
                           **{"Retry-After": str(wait)})
        header = request.headers.get("Authorization", "")
        digest = verified.digest(header) if header else b""
        user = verified.get(digest) if header else None
        if user is None:
            user, password = _basic_credentials(header)
            if user is None or not check_password(users, user, password):
                if header:  # a wrong guess; a request without credentials is only asked for them
                    throttle.failed(address)
                return _refuse(401, "login required",
                               **{"WWW-Authenticate": 'Basic realm="ceasefire tracker", charset="UTF-8"'})
            verified.add(digest, user)
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
