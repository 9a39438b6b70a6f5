"""Write files so that a killed job never leaves a complete-looking output behind."""

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def _flush_to_disk(path: Path) -> None:
    """Ask the kernel to write the file or folder at ``path`` to disk (fsync), so a rename survives a power loss."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for the body to write, and rename it to ``path`` on success.

    The temporary name (``.<name>.tmp-<pid>-<random><suffix>``) is unique to this
    process and call, so parallel jobs never share it, and it matches no rule's
    output. If the body raises, the temporary file is removed; if the process is
    killed, only that file can remain. The body creates the file itself, so it gets
    the usual permissions of the user's umask (tempfile.mkstemp would make it
    owner-only). The data and the rename are flushed to disk before returning.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}")
    try:
        yield temporary
        _flush_to_disk(temporary)
        os.replace(temporary, target)
        _flush_to_disk(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
