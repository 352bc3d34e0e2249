"""A tiny RFC 3161 time-stamping authority for tests: its own root and TSA certificate made with
`cryptography`, answering TimeStampReq over HTTP on 127.0.0.1 with a DER TimeStampResp that it
builds by hand (neither `cryptography` nor rfc3161-client builds responses)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SHA256 = "2.16.840.1.101.3.4.2.1"
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
SIGNED_DATA = "1.2.840.113549.1.7.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
POLICY = "1.3.6.1.4.1.99999.1"


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def der_set(*items: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return _tlv(0x02, raw)


def octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def explicit(n: int, content: bytes) -> bytes:
    return _tlv(0xA0 + n, content)


def _read_tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at `at`."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, at, at + length


def parse_request(der: bytes) -> tuple[bytes, int | None]:
    """The messageImprint (DER, as sent) and nonce of a TimeStampReq."""
    _, start, end = _read_tlv(der, 0)
    at, nonce, imprint = start, None, b""
    while at < end:
        tag, s, e = _read_tlv(der, at)
        if tag == 0x30 and not imprint:
            imprint = der[at:e]
        elif tag == 0x02 and at != start:
            nonce = int.from_bytes(der[s:e], "big", signed=True)
        at = e
    return imprint, nonce


class LocalTSA:
    def __init__(self) -> None:
        now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        later = now + dt.timedelta(days=30)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
        self.root = (
            x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = (
            x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
            .issuer_name(root_name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(later)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.serial = 0

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def respond(self, request_der: bytes) -> bytes:
        imprint, nonce = parse_request(request_der)
        self.serial += 1
        sha256_alg = seq(oid(SHA256))
        gen_time = _tlv(0x18, dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%SZ").encode())
        tst_info = seq(
            integer(1), oid(POLICY), imprint, integer(self.serial), gen_time,
            *([integer(nonce)] if nonce is not None else []),
        )
        cert_der = self.cert.public_bytes(serialization.Encoding.DER)
        attributes = [
            seq(oid(CONTENT_TYPE), der_set(oid(TST_INFO))),
            seq(oid(MESSAGE_DIGEST), der_set(octets(hashlib.sha256(tst_info).digest()))),
            seq(oid(SIGNING_CERTIFICATE_V2), der_set(seq(seq(seq(octets(hashlib.sha256(cert_der).digest())))))),
        ]
        signed_attrs = der_set(*attributes)
        signature = self.key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
        issuer_and_serial = seq(self.cert.issuer.public_bytes(), integer(self.cert.serial_number))
        signer_info = seq(
            integer(1), issuer_and_serial, sha256_alg,
            b"\xa0" + signed_attrs[1:],  # [0] IMPLICIT: the SET's tag replaced
            seq(oid(ECDSA_SHA256)), octets(signature),
        )
        signed_data = seq(
            integer(3), der_set(sha256_alg), seq(oid(TST_INFO), explicit(0, octets(tst_info))),
            _tlv(0xA0, cert_der), der_set(signer_info),
        )
        token = seq(oid(SIGNED_DATA), explicit(0, signed_data))
        return seq(seq(integer(0)), token)

    @contextmanager
    def serving(self):
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = tsa.respond(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()
