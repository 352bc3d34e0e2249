from __future__ import annotations

import hashlib
import io
import os

from media import IncrementalSha256, sha256_file


def test_it_hashes_a_path_and_a_file_object(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)

    expected = hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == expected
    assert sha256_file(str(path)) == expected
    assert sha256_file(io.BytesIO(data)) == expected


def test_an_incremental_hash_rebuilt_from_the_written_prefix_matches_the_whole(tmp_path):
    first, second = os.urandom(2_500_000), os.urandom(1_000_003)
    upload = tmp_path / "upload.part"
    upload.write_bytes(first)  # the process that received this part died here

    hasher = IncrementalSha256.resume(upload, len(first), chunk=65536)
    with upload.open("ab") as f:
        f.write(second)
    hasher.update(second)

    assert hasher.length == len(first) + len(second)
    assert hasher.hexdigest() == hashlib.sha256(first + second).hexdigest() == sha256_file(upload)


def test_resuming_past_the_end_of_what_was_written_is_an_error(tmp_path):
    upload = tmp_path / "short"
    upload.write_bytes(b"abc")
    try:
        IncrementalSha256.resume(upload, 10)
    except ValueError as exc:
        assert "only 3 bytes" in str(exc)
    else:
        raise AssertionError("resume accepted a prefix longer than the file")


def test_a_saved_hash_state_goes_on_in_another_hasher_to_the_digest_of_the_whole():
    first, second = os.urandom(2_500_001), os.urandom(1_000_003)
    hasher = IncrementalSha256()
    hasher.update(first)
    state = hasher.save()  # what the row keeps; the next chunk may land in another process

    taken_over = IncrementalSha256.restore(state)
    taken_over.update(second)

    assert taken_over.length == len(first) + len(second)
    assert taken_over.hexdigest() == hashlib.sha256(first + second).hexdigest()
    assert hasher.hexdigest() == hashlib.sha256(first).hexdigest()  # reading the digest does not end the hash


def test_it_restores_nothing_from_a_missing_or_malformed_state():
    assert IncrementalSha256.restore(None) is None
    assert IncrementalSha256.restore(b"not a sha-256 state") is None
    assert IncrementalSha256.restore(bytes(112)) is None  # a zeroed struct is no hash in progress


def test_it_hashes_a_receive_buffer_where_it_lies_whatever_its_kind():
    data = os.urandom(4 * 1024 * 1024 + 5)
    buffer = bytearray(data)
    hasher = IncrementalSha256()
    hasher.update(memoryview(buffer)[:1_000_001])  # the part of a buffer a socket filled
    hasher.update(memoryview(buffer)[1_000_001:])
    hasher.update(memoryview(data))  # a read-only view too
    hasher.update(bytearray())

    assert hasher.length == 2 * len(data)
    assert hasher.hexdigest() == hashlib.sha256(data + data).hexdigest()
