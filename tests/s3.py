"""moto's S3 server on loopback, for tests of the S3-compatible storage path."""

from __future__ import annotations

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

BUCKET = "evidence-test"
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture(scope="session")
def s3_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)


def s3_storage(endpoint: str, location: str) -> S3Storage:
    """The same options portal/settings.py gives S3Storage when STORAGE_BACKEND=s3."""
    return S3Storage(
        bucket_name=BUCKET, endpoint_url=endpoint, region_name="us-east-1", access_key="test", secret_key="test",
        location=location, default_acl="private", querystring_auth=True, file_overwrite=False,
    )
