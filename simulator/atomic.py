"""Atomic file output: a reader (or a killed run) sees the old file or the new one, never a part.

Every writer of mcsim's output goes through here.

* A file is written under a temporary name in the same folder — ``.NAME.tmp-PID-THREAD``,
  hidden, which dataset readers skip and a resumed batch removes — created exclusively
  (``O_CREAT | O_EXCL | O_NOFOLLOW``: never through a planted link, never into another
  writer's file) and moved into place with :func:`os.replace`.
* A folder is built aside, in ``.NAME.XXXXXXXX`` (:func:`building_dir`), and swapped in whole
  (:func:`replace_dir`). While it is built its writer holds an exclusive :func:`fcntl.flock`
  on the folder itself (locking the folder, not a file in it, leaves nothing to remove before
  the swap). A run killed with ``kill -9`` leaves such a folder behind, unlocked: the kernel
  drops a dead process's locks. The next :func:`building_dir` beside the same target removes
  every ``.NAME.XXXXXXXX`` sibling folder whose lock it can take, and never a live run's.
* The swap of an existing folder is one ``renameat2(RENAME_EXCHANGE)`` (Linux >= 3.15 with
  glibc >= 2.28, called through :mod:`ctypes`; ext4, xfs, btrfs, tmpfs support it): at every
  moment ``NAME/summary.json`` is the old file or the new one. Where the call is missing or the
  file system refuses it (``ENOSYS``, ``EINVAL``), the fallback is two renames — the old folder
  aside to ``.NAME.old-PID``, the new one into place — between which ``NAME`` is briefly missing.
  :data:`EXCHANGE` says whether this system has the call.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # no libc symbol (glibc < 2.28, musl without it)
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()
#: whether :func:`replace_dir` can try an atomic exchange here (the file system may still refuse)
EXCHANGE = _renameat2 is not None


def temporary_name(path: Path) -> Path:
    """The temporary sibling of ``path`` this process and thread write before the rename."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")


def _create_exclusive(tmp: Path) -> int:
    """Create ``tmp`` afresh and open it for writing; a file of that name is a dead writer's."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(tmp, flags, 0o666)
    except FileExistsError:
        # the name holds this pid and thread, so no live writer owns it: an earlier process
        # with a recycled pid was killed mid-write (or a link was planted; unlink drops the link)
        tmp.unlink()
        return os.open(tmp, flags, 0o666)


def write_with(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write(tmp)`` write the file (pyarrow, matplotlib ...), then move it to ``path``.

    ``tmp`` is created exclusively (empty) before ``write`` opens it again to fill it.
    """
    path = Path(path)
    tmp = temporary_name(path)
    os.close(_create_exclusive(tmp))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (``str``: UTF-8, newlines as given) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    tmp = temporary_name(path)
    fd = _create_exclusive(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _building_pattern(target: Path) -> re.Pattern[str]:
    """Names of the folders :func:`building_dir` makes for ``target`` (mkdtemp's 8 characters)."""
    return re.compile(re.escape(f".{target.name}.") + r"[a-z0-9_]{8}")


def _lock_dir(path: Path, *, wait: bool) -> int | None:
    """An open descriptor of folder ``path`` holding its exclusive lock; None if another holds it."""
    import fcntl

    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's
        return True
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove the unlocked ``.NAME.XXXXXXXX`` folders beside ``target`` (killed runs' leftovers).

    Also removes ``.NAME.old-PID`` folders of the two-rename fallback whose PID is gone.
    Returns the folders removed. A folder whose lock is held (a live run's) is kept.
    """
    target = Path(target)
    pattern = _building_pattern(target)
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except FileNotFoundError:
        return removed
    old = re.compile(re.escape(f".{target.name}.old-") + r"([0-9]+)")
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        dead = old.fullmatch(entry.name)
        if dead and not _alive(int(dead.group(1))):  # the two-rename fallback's, killed between
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
        if not pattern.fullmatch(entry.name):
            continue
        try:
            fd = _lock_dir(Path(entry.path), wait=False)
        except OSError:  # gone meanwhile, or not ours to open
            continue
        if fd is None:
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
        finally:
            os.close(fd)
    return removed


def locked_temp_dir(target: Path) -> tuple[Path, int]:
    """Make ``.NAME.XXXXXXXX`` beside ``target`` and lock it: ``(folder, descriptor holding the lock)``.

    Another run's :func:`remove_stale` may take the lock of the fresh, empty folder in the
    moment before this one does and remove it: then this makes another.
    """
    target = Path(target)
    while True:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            fd = _lock_dir(tmp, wait=True)
        except FileNotFoundError:
            continue
        try:
            if os.stat(tmp, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return tmp, fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def building_dir(target: Path) -> Iterator[Path]:
    """A locked temporary folder beside ``target`` to build it in, then :func:`replace_dir` it.

    First removes the stale siblings that killed runs left (:func:`remove_stale`). The folder
    is removed if the block raises; the lock is held until the block ends.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target)
    tmp, fd = locked_temp_dir(target)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(fd)


def exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` in one step (both must exist); False where the system cannot."""
    if _renameat2 is None:
        return False
    import ctypes

    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def replace_dir(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target``, replacing an existing one.

    An existing ``target`` is exchanged with ``new`` in one step where the system allows (see
    the module docstring), and the old folder, now at ``new``, removed. ``mkdtemp`` makes a
    private (0700) folder; the new folder gets the usual 0755 first.
    """
    os.chmod(new, 0o755)
    if not os.path.lexists(target):
        try:
            os.rename(new, target)
            return
        except OSError as exc:  # another run put a folder there meanwhile: swap with it
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)
