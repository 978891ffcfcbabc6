"""Files the dashboard keeps for a moment: uploaded CSVs between the preview and the import, and exports
between writing and downloading. Each is named by a random token; the browser only ever sends a token,
never a path.
"""

from __future__ import annotations

import atexit
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

KEEP_SECONDS = 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_lock = threading.Lock()
_root: Path | None = None


def _dir() -> Path:
    global _root
    with _lock:
        if _root is None or not _root.exists():
            _root = Path(tempfile.mkdtemp(prefix="tracker-dashboard-"))
            atexit.register(shutil.rmtree, _root, True)
        return _root


def safe_name(name: str | None, default: str = "upload.csv") -> str:
    """A file name without directories or odd characters (kept so the import records the real name)."""
    base = Path(str(name or "")).name
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    return base[:120] or default


def put(name: str, content: bytes) -> str:
    """Keep `content` as a file called `name`; returns its token."""
    cleanup()
    token = secrets.token_urlsafe(18)
    folder = _dir() / token
    folder.mkdir()
    (folder / safe_name(name)).write_bytes(content)
    return token


def reserve(name: str) -> tuple[str, Path]:
    """A token and the path at which to write a file called `name` (an export)."""
    cleanup()
    token = secrets.token_urlsafe(18)
    folder = _dir() / token
    folder.mkdir()
    return token, folder / safe_name(name, "export")


def path(token: object) -> Path | None:
    """The file kept under `token`, or None (unknown, expired or not a token)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    folder = _dir() / token
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return files[0] if files else None


def drop(token: object) -> None:
    found = path(token)
    if found is not None:
        shutil.rmtree(found.parent, ignore_errors=True)


def cleanup(now: float | None = None) -> None:
    """Remove what is older than KEEP_SECONDS."""
    limit = (now or time.time()) - KEEP_SECONDS
    root = _dir()
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
