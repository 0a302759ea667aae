"""All file I/O on the share goes through ``ShareIO`` so tests can kill a sync at any step.

``fault`` (tests only) is called with the name of each step *before* it happens; raising from it is a
crash at that point. Publishing a file: write to a temporary name in the same folder, fsync, read back
and verify, then link it to its final name (which fails if the name exists, so nobody's file is ever
overwritten by accident) — falling back to an existence check + rename where hard links are not
supported — and fsync the folder.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from aaben_raadgivning.sync.segments import TMP_PREFIX

# The app runs with umask 077 (its own files are private), but the share is read by the other laptops, which
# may be other OS users (an NFS or local group folder): what it writes there is readable by them. Every file
# is sealed with the office key (sync/sealing.py); who reaches the folder at all is the share's own rights.
SHARE_FILE_MODE = 0o644
SHARE_DIR_MODE = 0o755


def _share_mode(path: Path, mode: int) -> None:
    if os.name == "posix":
        try:
            os.chmod(path, mode)
        except OSError:
            pass  # a share that keeps its own modes (SMB mount options): nothing to do


class PublishConflict(FileExistsError):
    """The final name is taken (by an earlier run of ours, or by a clone of this device)."""


class ShareIO:
    def __init__(self, root: Path, fault: Callable[[str], None] | None = None) -> None:
        self.root = root
        self.fault = fault

    def step(self, name: str) -> None:
        if self.fault is not None:
            self.fault(name)

    def reachable(self) -> bool:
        try:
            return self.root.is_dir()
        except OSError:
            return False

    def read(self, path: Path) -> bytes:
        self.step("read")
        return path.read_bytes()

    def listdir(self, path: Path) -> list[os.DirEntry]:
        self.step("list")
        try:
            with os.scandir(path) as entries:
                return list(entries)
        except FileNotFoundError:
            return []

    def mkdir(self, path: Path) -> None:
        self.step("mkdir")
        path.mkdir(parents=True, exist_ok=True)
        for folder in (path, *path.parents):  # (the folders made on the way too)
            if folder == self.root or self.root not in folder.parents:
                break
            _share_mode(folder, SHARE_DIR_MODE)

    def remove(self, path: Path) -> None:
        self.step("remove")
        try:
            path.unlink()
        except FileNotFoundError:
            pass

    def write_tmp(self, folder: Path, data: bytes) -> Path:
        tmp = folder / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        self.step("write")
        with open(tmp, "wb") as handle:
            _share_mode(tmp, SHARE_FILE_MODE)
            half = len(data) // 2
            handle.write(data[:half])
            self.step("write-half")  # a crash here leaves a half-written temporary file
            handle.write(data[half:])
            handle.flush()
            self.step("fsync")
            os.fsync(handle.fileno())
        return tmp

    def publish(
        self,
        folder: Path,
        name: str,
        data: bytes,
        *,
        replace: bool = False,
        verify: Callable[[bytes], object] | None = None,
    ) -> Path:
        """Write ``data`` as ``folder/name``; returns the final path. Raises PublishConflict when
        ``name`` exists and ``replace`` is false."""
        tmp = self.write_tmp(folder, data)
        try:
            self.step("verify")
            written = tmp.read_bytes()
            if written != data:
                raise OSError(errno.EIO, "the file on the share differs from what was written", str(tmp))
            if verify is not None:
                verify(written)
            final = folder / name
            self.step("rename")
            if replace:
                os.replace(tmp, final)
            else:
                try:
                    os.link(tmp, final)
                except FileExistsError:
                    raise PublishConflict(errno.EEXIST, "exists", str(final)) from None
                except OSError:  # no hard links on this file system
                    if final.exists():
                        raise PublishConflict(errno.EEXIST, "exists", str(final)) from None
                    os.replace(tmp, final)
            self.step("fsync-dir")
            _fsync_dir(folder)
        except (OSError, ValueError):
            _unlink(tmp)
            raise
        _unlink(tmp)  # (a crash before this leaves the temporary file; the owner removes it next time)
        return final


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on Windows; the rename is durable there once it returns
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
