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
import re
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
        self.prefix = prefix
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(parent, prefix)
        # made under a name clean-up ignores, locked, then renamed: never visible unlocked
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}new-", dir=parent))
        self._lock = None
        try:
            self._lock = os.open(staging / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path = parent / f"{prefix}live-{staging.name[len(prefix) + 4 :]}"
            os.rename(staging, self.path)
        except OSError:
            if self._lock is not None:  # the lock's descriptor goes with the folder
                os.close(self._lock)
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def close(self) -> None:
        """Rename the folder ``PREFIXdead-*`` (a removal cut short by a second Ctrl-C or a
        SIGKILL is finished by the next clean-up), remove it, then release its lock."""
        dead = self.path.with_name(f"{self.prefix}dead-{self.path.name[len(self.prefix) + 5 :]}")
        try:
            os.rename(self.path, dead)
        except OSError:
            dead = self.path
        shutil.rmtree(dead, ignore_errors=True)
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
        except FileNotFoundError:
            # a live folder always holds its lock file (made before the folder got its live
            # name): this one's removal was cut short (by a second Ctrl-C) before the folder
            # was renamed dead, so nothing locks it any more
            if folder.is_dir():
                _kill_users(folder)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
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
        kill_if(int(cmdline.parent.name), lambda pid: name in Path(f"/proc/{pid}/cmdline").read_bytes())


def kill_if(pid: int, ours, signum: int = signal.SIGKILL) -> bool:
    """Send ``signum`` to process ``pid`` if ``ours(pid)`` (which reads ``/proc/PID``) says it is
    ours; whether it was sent. The process is held by a pidfd from before the check to the
    signal, so that a PID freed and reused meanwhile (a busy machine) never gets the signal: a
    process that exited is not signalled, and a newcomer under its PID is not the one held."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # gone already (or not ours to see)
        return False
    try:
        if not ours(pid):
            return False
        signal.pidfd_send_signal(fd, signum)
        return True
    except (OSError, ValueError):  # gone meanwhile, or not ours to kill
        return False
    finally:
        os.close(fd)


#: What rename(2) says when ``target`` is a mount point (EBUSY) or on another file system (EXDEV).
_CANNOT_RENAME = (errno.EBUSY, errno.EXDEV)


def swap_in(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` with one rename (``renameat2`` with
    ``RENAME_EXCHANGE``), so readers see the old set or the new one, never a mix; the old set
    ends up at ``new``. Where the file system cannot exchange, two renames: ``target`` is absent
    for a moment, but still never mixed. Where ``target`` cannot be renamed at all (a mount point:
    a tmpfs, a Docker volume), :func:`copy_in`."""
    if not target.exists():
        os.rename(new, target)
        return
    if os.path.ismount(target):
        copy_in(new, target)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    exchange = getattr(libc, "renameat2", None)
    if exchange is not None:
        if exchange(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code in _CANNOT_RENAME:  # a bind mount (os.path.ismount does not see those)
            copy_in(new, target)
            return
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(target))
    old = new.with_name(new.name + ".old")
    try:
        os.rename(target, old)
    except OSError as err:
        if err.errno not in _CANNOT_RENAME:
            raise
        copy_in(new, target)
        return
    os.rename(new, target)
    os.rename(old, new)


def work_folder_names(target: Path) -> re.Pattern:
    """Names of the work folders :func:`copy_in` makes inside ``target`` (hidden, locked, removed
    by the next render's clean-up when a render is killed while copying)."""
    return re.compile(re.escape(f".{target.name}.") + r"(live|dead|new)-[A-Za-z0-9_]+")


def copy_in(new: Path, target: Path) -> None:
    """Replace the contents of folder ``target`` (which cannot be renamed: a mount point) by those
    of folder ``new``: the new set is first copied whole into a locked work folder inside
    ``target`` (same file system, so a full disk fails here, before anything is replaced), then
    the old set's entries that the new one lacks are moved out, then each new entry is renamed
    into place, the JSON last. Each file is always whole (a rename), but for those milliseconds
    the folder holds new and old files together; a render killed then leaves such a mix (its JSON
    still the old one), which the next render replaces. The old set is removed; ``new`` is left
    as it was (the caller's work folder removes it)."""
    keep = work_folder_names(target)
    with Workspace(target, f".{target.name}.") as work:
        staged, old = work.path / "new", work.path / "old"
        shutil.copytree(new, staged, symlinks=True)
        old.mkdir()
        names = {p.name for p in staged.iterdir()}
        for entry in sorted(target.iterdir()):
            if entry.name not in names and not keep.fullmatch(entry.name):
                os.rename(entry, old / entry.name)
        for entry in sorted(staged.iterdir(), key=lambda p: (p.suffix == ".json", p.name)):
            dest = target / entry.name
            if entry.is_dir() and dest.is_dir() and not dest.is_symlink():
                os.rename(dest, old / entry.name)  # a folder cannot be renamed over a full one
            os.replace(entry, dest)


def move_into(src: Path, dest: Path) -> None:
    """``os.replace(src, dest)``; where ``dest`` is on another file system (a mount point), the
    file is copied beside ``dest`` into a locked work folder first, then renamed into place."""
    try:
        os.replace(src, dest)
        return
    except OSError as err:
        if err.errno not in _CANNOT_RENAME:
            raise
    with Workspace(dest.parent, f".{dest.parent.name}.") as work:
        shutil.copy2(src, work.path / dest.name)
        os.replace(work.path / dest.name, dest)
    os.unlink(src)
