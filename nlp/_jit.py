"""Eager, disk-cached numba compilation for the private ``_kernels`` modules of the stages.

Each kernel is compiled for fixed argument types when its module is imported (eagerly, so a
pool's forkserver or parent can compile once for all its workers) and cached on disk (numba's
``cache=True``: next to the module, or in the user's cache directory when the package is
read-only): the first import after an install compiles for a few seconds, later imports load
the cache in about 0.3 s.
"""

from __future__ import annotations

from collections.abc import Callable

from numba import njit, types

I64 = types.int64[:]
U32 = types.uint32[:]
U32_RO = types.Array(types.uint32, 1, "C", readonly=True)  # np.frombuffer of a str's bytes
# C-contiguous arrays, for the kernels whose inner loops should be vectorized: over arrays of
# unknown layout ('A', the types above) the compiler keeps every access a strided scalar one,
# and the same loops ran up to 2x slower (measured on corpus batches). Callers pass
# ``np.ascontiguousarray``.
I64C = types.int64[::1]
F64C = types.float64[::1]
F32C2 = types.float32[:, ::1]
F64C2 = types.float64[:, ::1]
U64 = types.Array(types.uint64, 1, "C")
U64_RO = types.Array(types.uint64, 1, "C", readonly=True)


def jit(*signatures) -> Callable[[Callable], Callable]:
    """``njit`` for these argument types, with an on-disk cache where numba finds a writable
    place for one (else without)."""

    def wrap(fn: Callable) -> Callable:
        try:
            return njit(list(signatures), cache=True, nogil=True)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(list(signatures), nogil=True)(fn)

    return wrap
