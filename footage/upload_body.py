"""The body of an upload's PATCH, read into the caller's buffer with as few copies as the server allows.

Under gunicorn (the deployed server) the body is received straight from the connection's socket
with `recv_into`: gunicorn's own reader copies every byte through two BytesIO buffers on the way,
which cost as much CPU as the receiving itself. Only a body of known length is taken this way, and
never a byte past its end, so gunicorn finds the connection where the next request starts. Any other
server (Django's test client, runserver, another WSGI server) is read through its ordinary stream.
This leans on gunicorn's reader classes (pinned in requirements/*.lock): an input of any other shape
falls back to the stream, and tests/footage/test_upload_body.py runs it against gunicorn's parser.
"""

from __future__ import annotations

import io
from typing import BinaryIO, Protocol

try:
    from gunicorn.http.body import Body as _GunicornBody
    from gunicorn.http.body import LengthReader as _GunicornLengthReader
    from gunicorn.http.unreader import SocketUnreader as _GunicornSocketUnreader
except ImportError:  # a deployment without gunicorn reads the plain stream
    _GunicornBody = _GunicornLengthReader = _GunicornSocketUnreader = None


class BodyReader(Protocol):
    def readinto(self, buffer: memoryview) -> int:
        """Fill the start of `buffer` with the next bytes; 0 at the end of the body."""


class StreamBody:
    """Any file-like WSGI input: `read()`, then one copy into the buffer."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self._left = length

    def readinto(self, buffer: memoryview) -> int:
        if self._left <= 0:
            return 0
        data = self._stream.read(min(len(buffer), self._left))
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


class SocketBody:
    """A gunicorn request body of known length, received from its socket into the buffer."""

    def __init__(self, body, length: int) -> None:
        self._body = body
        self._reader = reader = body.reader
        unreader = reader.unreader
        self._sock = unreader.sock
        # Bytes gunicorn already holds: what Body buffered, then what the unreader read ahead
        # with the headers. Whatever lies past this body is given back for the next request.
        held = body.buf.getvalue()
        body.buf = io.BytesIO()
        ahead = unreader.take_buffered()
        take = min(len(ahead), reader.length)
        if take < len(ahead):
            unreader.unread(ahead[take:])
        reader.length -= take
        self._held = memoryview(held + ahead[:take])
        self._left = length

    def readinto(self, buffer: memoryview) -> int:
        if self._left <= 0:
            return 0
        if self._held:
            n = min(len(buffer), len(self._held), self._left)
            buffer[:n] = self._held[:n]
            self._held = self._held[n:]
        else:
            try:
                n = self._sock.recv_into(buffer, min(len(buffer), self._left))
            except Exception:
                # Where the next request starts is unknown now: gunicorn closes the connection.
                self._body.failed = True
                raise
            self._reader.length -= n
        self._left -= n
        return n


def body_reader(request, length: int) -> BodyReader:
    """The reader for `request`'s body of `length` bytes (its Content-Length)."""
    raw = request.environ.get("wsgi.input")
    if (
        _GunicornBody is not None
        and type(raw) is _GunicornBody
        and type(raw.reader) is _GunicornLengthReader
        and type(raw.reader.unreader) is _GunicornSocketUnreader
        and hasattr(raw.reader.unreader, "take_buffered")
        and raw.reader.length + len(raw.buf.getvalue()) == length
    ):
        return SocketBody(raw, length)
    return StreamBody(request, length)
