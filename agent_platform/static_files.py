"""`collectstatic` when the static sources changed, else nothing: `serve up` and the test
session both call this (`python -m agent_platform.static_files`).

Static files are served from STATIC_ROOT (hashed names, a manifest, gzip copies: see settings),
so the pages and every Daphne need them collected. A full collect re-hashes and re-compresses
everything (several CPU seconds, mostly the API docs' bundles), and concurrent test sessions
share `var/test/static`: so it runs only when the fingerprint of every file the finders see
(path, size, mtime) differs from the last collect's, under a lock. An unchanged tree costs a
directory listing.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.utils.functional import empty

FINGERPRINT = ".sources-fingerprint"
MANIFEST = "staticfiles.json"


def sources_fingerprint() -> str:
    """A digest of the static sources (path, size, mtime) and the storage that collects them."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries = []
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            stat = Path(storage.path(path)).stat()
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def ensure_static_collected() -> bool:
    """Run `collectstatic` if STATIC_ROOT is missing or out of date; True if it ran."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    wanted = sources_fingerprint()
    stamp = root / FINGERPRINT
    ran = False
    if not _current(root, stamp, wanted):
        with open(root.parent / f".{root.name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _current(root, stamp, wanted):  # else another process collected while we waited
                call_command("collectstatic", interactive=False, verbosity=0)
                stamp.write_text(wanted)
                ran = True
    # A storage set up in this process before the collect would keep serving the old manifest.
    staticfiles_storage._wrapped = empty
    return ran


def _current(root: Path, stamp: Path, wanted: str) -> bool:
    return (root / MANIFEST).exists() and stamp.exists() and stamp.read_text() == wanted


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agent_platform.settings")
    django.setup()
    ensure_static_collected()
