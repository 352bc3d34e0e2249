"""SHA-256 of evidence files, streamed so a 4 GB body-cam file never sits in memory.

Resuming: hashlib objects cannot be pickled or saved, so `IncrementalSha256` computes the hash of a
growing upload with OpenSSL's SHA256_* functions (the same library and speed as hashlib) through
ctypes, whose state is a plain 112-byte struct: `save()` returns it and `restore()` continues from
it, so any process can take the next chunk without reading a byte back. Where that library cannot be
loaded, `save()` returns None and `IncrementalSha256.resume(path, offset)` rebuilds the state by
re-reading the bytes already written to disk, as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class _Sha256Ctx(ctypes.Structure):
    """OpenSSL's SHA256_CTX (openssl/sha.h), unchanged since 0.9.8."""

    _fields_ = [("h", ctypes.c_uint32 * 8), ("Nl", ctypes.c_uint32), ("Nh", ctypes.c_uint32),
                ("data", ctypes.c_uint32 * 16), ("num", ctypes.c_uint), ("md_len", ctypes.c_uint)]


def _load_libcrypto():
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
        for name in ("SHA256_Init", "SHA256_Update", "SHA256_Final"):
            getattr(lib, name).restype = ctypes.c_int
        lib.SHA256_Update.argtypes = [ctypes.POINTER(_Sha256Ctx), ctypes.c_void_p, ctypes.c_size_t]
        lib.SHA256_Final.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Sha256Ctx)]
        lib.SHA256_Init.argtypes = [ctypes.POINTER(_Sha256Ctx)]
    except (OSError, AttributeError):
        return None
    # Refuse a library whose struct is not the one above rather than produce a wrong hash.
    probe = _Sha256Ctx()
    lib.SHA256_Init(ctypes.byref(probe))
    lib.SHA256_Update(ctypes.byref(probe), b"abc", 3)
    out = ctypes.create_string_buffer(32)
    lib.SHA256_Final(out, ctypes.byref(probe))
    return lib if out.raw == hashlib.sha256(b"abc").digest() else None


_libcrypto = _load_libcrypto()


def sha256_file(source: str | os.PathLike[str] | BinaryIO) -> str:
    """Hex SHA-256 of a path, or of a binary file object read to its end."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    return hashlib.file_digest(source, "sha256").hexdigest()


def _address(data: bytes | bytearray | memoryview, size: int):
    if isinstance(data, bytes):
        return data
    view = memoryview(data)
    if view.readonly:
        return bytes(view)
    return (ctypes.c_char * size).from_buffer(view.cast("B"))


class IncrementalSha256:
    """The hash of a file that grows by appended chunks (a resumable upload)."""

    def __init__(self, *, savable: bool = True) -> None:
        self.length = 0
        self._ctx = None
        if savable and _libcrypto is not None:
            self._ctx = _Sha256Ctx()
            _libcrypto.SHA256_Init(ctypes.byref(self._ctx))
        else:
            self._digest = hashlib.sha256()

    @classmethod
    def resume(cls, path: str | os.PathLike[str], length: int, chunk: int = CHUNK) -> IncrementalSha256:
        """Rebuild the state for the first `length` bytes of `path` (what was received before)."""
        hasher = cls()
        with Path(path).open("rb") as f:
            remaining = length
            while remaining:
                block = f.read(min(chunk, remaining))
                if not block:
                    raise ValueError(f"{path} has only {hasher.length} bytes, expected {length}")
                hasher.update(block)
                remaining -= len(block)
        return hasher

    def save(self) -> bytes | None:
        """The state after `length` bytes, for `restore()` in any process; None where it cannot be saved."""
        return bytes(self._ctx) if self._ctx is not None else None

    @classmethod
    def restore(cls, state: bytes | memoryview | None) -> IncrementalSha256 | None:
        """The hasher `save()` described, or None if there is no usable state (then re-read the bytes)."""
        if _libcrypto is None or state is None or len(state) != ctypes.sizeof(_Sha256Ctx):
            return None
        ctx = _Sha256Ctx.from_buffer_copy(bytes(state))
        if ctx.md_len != 32 or ctx.num >= 64:
            return None
        hasher = cls()
        hasher._ctx = ctx
        hasher.length = ((ctx.Nh << 32) | ctx.Nl) // 8
        return hasher

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Add `data`; a bytearray or a memoryview of one (an upload's receive buffer) is hashed
        where it lies, without a copy."""
        size = memoryview(data).nbytes
        if self._ctx is not None:
            # ctypes releases the GIL for the call, as hashlib does for large buffers, so another
            # thread can receive the next bytes meanwhile.
            _libcrypto.SHA256_Update(ctypes.byref(self._ctx), _address(data, size), size)
        else:
            self._digest.update(data)
        self.length += size

    def hexdigest(self) -> str:
        if self._ctx is None:
            return self._digest.hexdigest()
        # SHA256_Final pads and clears the context; finish a copy so this hasher can go on.
        ctx = _Sha256Ctx.from_buffer_copy(bytes(self._ctx))
        out = ctypes.create_string_buffer(32)
        _libcrypto.SHA256_Final(out, ctypes.byref(ctx))
        return out.raw.hex()
