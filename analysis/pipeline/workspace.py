"""Temporary folders owned by a live render, and swapping a finished report into place.

A render works in a hidden folder and holds an exclusive ``fcntl.flock`` on the folder's lock file
for as long as it runs. Clean-up removes only folders whose lock it can take: those of renders that
were killed (the kernel drops a dead process's locks), never one of a live render, whatever PID
namespace or container that render runs in.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

LOCK_FILE = ".lock"
_RENAME_EXCHANGE = 2  # renameat2 flag (linux/fs.h)
_AT_FDCWD = -100


class Workspace:
    """A hidden folder ``PARENT/PREFIXlive-XXXX`` locked by this process until :meth:`close`,
    which removes it. Creating one first removes the unlocked (stale) folders of ``prefix``."""

    def __init__(self, parent: Path | str, prefix: str):
        parent = Path(parent)
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(parent, prefix)
        # made under a name clean-up ignores, locked, then renamed: never visible unlocked
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}new-", dir=parent))
        try:
            self._lock = os.open(staging / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path = parent / f"{prefix}live-{staging.name[len(prefix) + 4 :]}"
            os.rename(staging, self.path)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def close(self) -> None:
        """Remove the folder, then release its lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: Seconds after which a staging folder (made, but never locked and renamed, by a render killed
#: in that instant) counts as abandoned.
STAGING_GRACE_S = 60.0


def remove_stale(parent: Path, prefix: str) -> list[Path]:
    """Remove every ``PARENT/PREFIXlive-*`` folder whose lock nobody holds; returns them. The
    processes the killed render left using it (its Chromium) are stopped, then the folder is
    renamed to ``PREFIXdead-*`` and deleted, so a deletion cut short is finished next time rather
    than left under a live name. Staging folders (``PREFIXnew-*``) older than
    :data:`STAGING_GRACE_S` go too."""
    parent = Path(parent)
    removed = []
    for folder in sorted(parent.glob(f"{prefix}live-*")):
        try:
            lock = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _kill_users(folder)
            os.rename(folder, parent / f"{prefix}dead-{folder.name[len(prefix) + 5 :]}")
        except OSError:
            continue  # held: a live render, perhaps in another container (or renamed meanwhile)
        else:
            removed.append(folder)
        finally:
            os.close(lock)
    for folder in parent.glob(f"{prefix}dead-*"):
        shutil.rmtree(folder, ignore_errors=True)
    for folder in parent.glob(f"{prefix}new-*"):
        try:
            abandoned = time.time() - folder.stat().st_mtime > STAGING_GRACE_S
        except OSError:
            continue
        if abandoned:
            shutil.rmtree(folder, ignore_errors=True)
    return removed


def _kill_users(folder: Path) -> None:
    """SIGKILL the processes a killed render left running whose command line names ``folder``
    (its Chromium, whose profile is there, outlives it for a moment and would otherwise write
    into the folder while it is being removed)."""
    name = os.fsencode(str(folder))
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if name in cmdline.read_bytes():
                os.kill(int(cmdline.parent.name), signal.SIGKILL)
        except (OSError, ValueError):  # gone meanwhile, or not ours to kill
            continue


def swap_in(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` with one rename (``renameat2`` with
    ``RENAME_EXCHANGE``), so readers see the old set or the new one, never a mix; the old set
    ends up at ``new``. Where the file system cannot exchange, two renames: ``target`` is absent
    for a moment, but still never mixed."""
    if not target.exists():
        os.rename(new, target)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    exchange = getattr(libc, "renameat2", None)
    if exchange is not None:
        if exchange(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(target))
    old = new.with_name(new.name + ".old")
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)
