"""Speaking tus to the in-process test client, for protocol tests that need no real server."""

from __future__ import annotations

import base64
import hashlib

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def metadata(**pairs) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in pairs.items())


def create(client, *, incident, length, filename="clip.mp4", kind="body_worn", device_id="BWC-7", **extra):
    return client.generic(
        "POST", "/api/uploads/", **TUS,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=metadata(filename=filename, incident=incident.pk, kind=kind, device_id=device_id),
        **extra,
    )


def patch(client, url, data: bytes, *, offset: int, checksum: bytes | None = None, **extra):
    headers = {**TUS, "HTTP_UPLOAD_OFFSET": str(offset), **extra}
    if checksum is not None:
        headers["HTTP_UPLOAD_CHECKSUM"] = "sha256 " + base64.b64encode(checksum).decode()
    return client.generic("PATCH", url, data=data, content_type="application/offset+octet-stream", **headers)


def head(client, url):
    return client.generic("HEAD", url, **TUS)


def upload_whole(client, *, incident, data: bytes, filename="clip.mp4", chunk=256 * 1024, kind="body_worn"):
    """Create and send `data` in chunks with checksums; returns the last response and the URL."""
    created = create(client, incident=incident, length=len(data), filename=filename, kind=kind)
    assert created.status_code == 201, created.content
    url = created["Location"]
    offset = 0
    response = created
    while offset < len(data):
        piece = data[offset : offset + chunk]
        response = patch(client, url, piece, offset=offset, checksum=hashlib.sha256(piece).digest())
        if response.status_code != 204:
            return response, url
        offset = int(response["Upload-Offset"])
    return response, url
