"""Write files so that a killed job never leaves a complete-looking output behind."""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and rename it to ``path`` on success.

    The temporary name is unique to this process, so parallel jobs never share it.
    If the body raises, or the process dies, only the temporary file can remain,
    and its name (``.<name>.tmp-XXXX``) does not match any rule's output.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.tmp-", suffix=target.suffix, dir=target.parent
    )
    os.close(descriptor)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.replace(temporary_path, target)
    finally:
        if temporary_path.exists():
            temporary_path.unlink()


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
