"""An output folder written as one set: staged next to it, verified, then swapped in.

:func:`output_set` is used as::

    with output_set(folder) as staging:   # folder checked, locked; staging is empty
        ... write every file into staging, verify staging ...
    # on normal exit staging has replaced folder; the previous set stayed until then

On entry the folder is checked (:func:`check_folder`: creatable, writable, a few MB free), a
lock file ``.<name>.lock`` next to it keeps a second run from writing the same folder (it fails
at once with :class:`~jurisdiction.errors.OutputError` naming the other run's pid), leftovers of
an earlier run that was killed are cleaned up, and an empty staging folder
``.<name>.staging-<pid>-<random>`` is made next to ``folder`` (same filesystem, so the swap is a
rename). On an exception, Ctrl-C or SIGTERM (the command line makes SIGTERM unwind like Ctrl-C)
the staging folder and every temporary file in it are removed and ``folder`` is untouched. (A
Python caller that leaves SIGTERM at its default dies at once; the staging folder it leaves is
removed by the next :func:`output_set` on the same folder.)

The swap, on normal exit: entries of ``folder`` that the new set does not replace (a user's
notes, an ``isochrones.gpkg``) are carried into staging as hard links (copies where the
filesystem has none), then two renames: ``folder`` -> ``.<name>.old-<pid>-<random>``, staging
-> ``folder``, and the old folder is removed. Ctrl-C and SIGTERM wait until both renames are
done. A crash (power loss, SIGKILL) between them leaves no ``folder`` and a complete ``.old-``
copy of the previous set next to where it was: the next :func:`output_set` on the same folder
renames it back before anything else. A crash at any other point leaves at most a stale staging
or ``.old-`` folder, which the next run removes.

Locking uses ``fcntl.flock`` (Linux, macOS, the BSDs). On Windows there is no lock (a second
run there is not refused) and the folder cannot be swapped while a file in it is open.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from jurisdiction.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no lock, see the module docstring
    fcntl = None  # type: ignore[assignment]

#: Free space the output folder's filesystem needs before a run starts, in bytes (maps, report,
#: GeoPackage and tables of a county take a few MB).
MIN_FREE_BYTES = 20 * 2**20

#: Errors of a write that mean the disk cannot take the set (full, over quota, file too large).
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
#: Errors that mean the folder cannot be written (read-only, denied), when they name one of its paths.
DENIED = {errno.EROFS, errno.EACCES, errno.EPERM}


def check_folder(folder: str | os.PathLike, *, min_free_bytes: int = MIN_FREE_BYTES) -> None:
    """Check, before any work is done, that files can be created in ``folder``.

    Parameters
    ----------
    folder : str or path-like
        A folder to write into; it need not exist yet (it is then created).
    min_free_bytes : int
        Free space needed on its filesystem, in bytes.

    Raises
    ------
    OutputError
        ``folder`` or its nearest existing parent is a file, that folder is not writable for
        this user, or its filesystem has less than ``min_free_bytes`` free; the message names
        the path.
    """
    _check_writable(Path(os.path.realpath(folder)), shown=folder, min_free_bytes=min_free_bytes)


def _check_writable(place: Path, *, shown: str | os.PathLike, min_free_bytes: int) -> None:
    """:func:`check_folder` on ``place``, naming ``shown`` in the messages."""
    existing = place
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{shown}: cannot be created: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: cannot be written: {existing} is read-only for this user")
    free = shutil.disk_usage(existing).free
    if free < min_free_bytes:
        raise OutputError(f"{shown}: only {free / 2**20:.1f} MB free on its disk "
                          f"({min_free_bytes / 2**20:.0f} MB needed)")


@contextlib.contextmanager
def output_set(folder: str | os.PathLike) -> Iterator[Path]:
    """Write an output folder as one set: yield an empty staging folder, swap it in on success.

    Enter it before the work that makes the set (loading, solving): the checks, the lock and the
    clean-up of a killed run's leftovers happen on entry, so a folder that cannot be written or
    that another run is writing is refused at once.

    Parameters
    ----------
    folder : str or path-like
        The final output folder (see the module docstring for the staging, lock and swap);
        symbolic links to it are followed, and parent folders created (and removed again if
        the block fails and leaves them empty).

    Yields
    ------
    pathlib.Path
        The staging folder, absolute, next to ``folder``: write every file of the set into it.

    Raises
    ------
    OutputError
        ``folder`` is a file, a mount point or the home folder, or it cannot be written (see
        :func:`check_folder`), another run is writing it (its pid is named), or a write failed
        for lack of room or permission (the previous set is then unchanged).
    """
    target = Path(os.path.realpath(folder))
    if target.exists() and not target.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder")
    if os.path.ismount(target) or target == Path(os.path.realpath(os.path.expanduser("~"))):
        raise OutputError(f"{folder}: is a whole disk or the home folder, and the output set replaces its "
                          "folder as a whole: choose a folder inside it")
    # where the staging folder, the lock and the renames go
    _check_writable(target.parent, shown=folder, min_free_bytes=MIN_FREE_BYTES)
    created = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _lock(target, shown=folder):
            _recover(target)
            staging = _sibling(target, "staging")
            staging.mkdir()  # the permissions a new folder gets (umask), unless it replaces one
            try:
                if target.is_dir():
                    os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
                yield staging
                _swap(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)  # gone already after a swap
    except BaseException as error:
        for path in created:  # deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        if _cannot_write(error, target):
            raise OutputError(f"{folder}: cannot write the output set ({error.strerror or error}); "
                              "the previous set is unchanged") from error
        raise


def _cannot_write(error: BaseException, target: Path) -> bool:
    """Whether ``error`` says the set cannot be written (rather than, say, that an input is unreadable)."""
    if not isinstance(error, OSError):
        return False
    if error.errno in NO_ROOM:
        return True

    def ours(name: str | bytes) -> bool:  # the folder, its staging or old folder, its lock
        path = Path(os.path.realpath(os.fsdecode(name)))
        if path == target.parent or not path.is_relative_to(target.parent):
            return False
        first = path.relative_to(target.parent).parts[0]
        return first == target.name or first.startswith(f".{target.name}.")

    return error.errno in DENIED and any(ours(n) for n in (error.filename, error.filename2) if n)


def _sibling(target: Path, kind: str) -> Path:
    """A fresh name ``.<name>.<kind>-<pid>-<8 hex digits>`` next to ``target``."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in the place of ``target``: carry the other entries over, two renames."""
    if not target.exists():
        os.rename(staging, target)
        return
    for entry in target.iterdir():
        if not os.path.lexists(staging / entry.name):
            _carry(entry, staging / entry.name)
    old, swapped = _sibling(target, "old"), False
    try:
        with _signals_held():  # a signal meanwhile is raised once both renames are done
            os.rename(target, old)
            try:
                os.rename(staging, target)
            except BaseException:
                os.rename(old, target)
                raise
            swapped = True
    finally:
        if swapped:  # if the removal fails (a file open on Windows), the next run removes it
            shutil.rmtree(old, ignore_errors=True)


def _carry(source: Path, destination: Path) -> None:
    """Put ``source`` at ``destination`` without touching it: hard links, else copies."""
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
    elif source.is_dir():
        shutil.copytree(source, destination, symlinks=True, copy_function=_link)
    else:
        _link(source, destination)


def _link(source: str | os.PathLike, destination: str | os.PathLike) -> None:
    try:
        os.link(source, destination)
    except OSError:  # a filesystem without hard links (FAT, some network shares)
        shutil.copy2(source, destination)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer Ctrl-C and SIGTERM until the block is done, then deliver them as usual.

    Python runs signal handlers in the main thread only, so elsewhere nothing is needed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        for signum in caught:
            signal.raise_signal(signum)


def _leftovers(target: Path, kind: str) -> list[Path]:
    """The folders :func:`_sibling` names for ``target`` and ``kind``, oldest first."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.{kind}-\d+-[0-9a-f]{{8}}")
    found = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def _recover(target: Path) -> None:
    """Clean up after a run that was killed (the lock is held, so no other run uses these).

    A missing ``target`` with an ``.old-`` folder next to it is a swap cut between its two
    renames: the old set is renamed back. Stale staging and ``.old-`` folders are removed.
    """
    old = _leftovers(target, "old")
    if old and not os.path.lexists(target):
        os.rename(old.pop(), target)
    for path in old + _leftovers(target, "staging"):
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _lock(target: Path, *, shown: str | os.PathLike) -> Iterator[None]:
    """Hold the lock file ``.<name>.lock`` next to ``target`` (with our pid in it); remove it after.

    The file is removed while still locked; a run that opened it meanwhile finds, once it holds
    the lock, that the path is no longer its file and tries again.
    """
    if fcntl is None:
        yield
        return
    path = target.parent / f".{target.name}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            pid = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(f"{shown}: another run (pid {pid}) is writing this folder; "
                                  "wait for it to finish or choose another folder with --out") from None
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)
