"""An upload's PATCH body read from gunicorn's socket (the deployed server): every byte of the body,
none of the next request's, whatever gunicorn had already read with the headers."""

from __future__ import annotations

import os
import socket
import threading

from gunicorn.config import Config
from gunicorn.http.parser import RequestParser

from footage.upload_body import SocketBody, StreamBody, body_reader


class _Request:
    """What body_reader needs of a Django request: its WSGI environ."""

    def __init__(self, wsgi_input) -> None:
        self.environ = {"wsgi.input": wsgi_input}

    def read(self, size: int) -> bytes:
        return self.environ["wsgi.input"].read(size)


def _patch(body: bytes) -> bytes:
    return (b"PATCH /api/uploads/x/ HTTP/1.1\r\nHost: portal\r\nContent-Type: application/offset+octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def _receive_all(reader, size: int, piece: int) -> bytes:
    buffer = memoryview(bytearray(piece))
    out = bytearray()
    while n := reader.readinto(buffer):
        out += buffer[:n]
    assert len(out) == size
    return bytes(out)


def _serve(wire: bytes):
    server, client = socket.socketpair()
    sender = threading.Thread(target=client.sendall, args=(wire,))
    sender.start()
    return server, client, sender, RequestParser(Config(), server, ("127.0.0.1", 1))


def test_it_receives_a_body_from_the_socket_and_leaves_the_next_request_to_gunicorn():
    first, second = os.urandom(3 * 1024 * 1024 + 11), os.urandom(70_001)
    server, client, sender, parser = _serve(_patch(first) + _patch(second))  # pipelined behind the first
    try:
        request = next(parser)
        reader = body_reader(_Request(request.body), len(first))
        assert isinstance(reader, SocketBody)
        assert _receive_all(reader, len(first), 1024 * 1024) == first
        assert reader.readinto(memoryview(bytearray(10))) == 0

        following = next(parser)
        assert following.method == "PATCH"
        assert following.body.read(len(second) + 1) == second
    finally:
        sender.join()
        server.close()
        client.close()


def test_a_body_gunicorn_read_with_its_headers_is_received_whole():
    small, after = os.urandom(3000), os.urandom(5000)  # both arrive in gunicorn's first read
    server, client, sender, parser = _serve(_patch(small) + _patch(after))
    try:
        sender.join()
        request = next(parser)
        reader = body_reader(_Request(request.body), len(small))
        assert _receive_all(reader, len(small), 1000) == small
        assert next(parser).body.read(len(after) + 1) == after
    finally:
        server.close()
        client.close()


def test_a_client_gone_in_the_middle_of_a_body_ends_it_early():
    body = os.urandom(500_000)
    wire = _patch(body)
    server, client = socket.socketpair()

    def send_part_and_vanish():
        client.sendall(wire[: len(wire) - 200_000])
        client.close()

    sender = threading.Thread(target=send_part_and_vanish)
    sender.start()
    try:
        request = next(RequestParser(Config(), server, ("127.0.0.1", 1)))
        reader = body_reader(_Request(request.body), len(body))
        buffer = memoryview(bytearray(1024 * 1024))
        received = bytearray()
        while n := reader.readinto(buffer):
            received += buffer[:n]
        assert bytes(received) == body[:-200_000]
    finally:
        sender.join()
        server.close()


def test_any_other_server_is_read_through_its_stream():
    data = os.urandom(10_000)

    class Stream:
        def __init__(self) -> None:
            self.left = data

        def read(self, size: int) -> bytes:
            piece, self.left = self.left[:size], self.left[size:]
            return piece

    reader = body_reader(_Request(Stream()), len(data))
    assert isinstance(reader, StreamBody)
    assert _receive_all(reader, len(data), 4096) == data
