"""glibc malloc settings for jobs that allocate and free the same large tensors over and over.

oneDNN's products return a new tensor on every call (8 MB for a chunk of the
gradient pass), and PyTorch's CPU tensors come from malloc. With glibc's default
settings, the freed memory at the top of the heap goes back to the kernel once it
exceeds the trim threshold, so the next tensors get fresh pages that the kernel
faults in and zeroes again. On the machine of docs/benchmarks.md that was about
25,000 page faults per gradient pass of 40,000 images and 10 % of its time.
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# mallopt parameters, from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Allocations below this size come from the heap; glibc accepts at most 32 MiB on 64-bit systems.
MMAP_THRESHOLD_BYTES = 32 * 2**20
# Freed memory at the top of the heap is kept up to this size instead of returned to the kernel.
TRIM_THRESHOLD_BYTES = 2**30


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed heap memory for reuse; return whether it accepted the settings.

    Allocations below 32 MiB come from the heap and up to 1 GiB of freed memory
    stays in the process, so the peak resident memory no longer shrinks between
    chunks or batches. On another C library (musl, macOS) nothing changes and
    False is returned.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        logger.info("malloc settings unchanged: no glibc mallopt in C library %s", name)
        return False
    accepted = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    if not accepted:
        logger.info("malloc settings unchanged: mallopt rejected them")
    return accepted
