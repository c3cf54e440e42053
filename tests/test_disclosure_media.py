"""C2PA manifests of media files (rule AI2-EU) with c2pa-python: a PNG signed here with a
throw-away test certificate chain, a PNG without a manifest, a cut file and a non-image."""

from __future__ import annotations

import datetime
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trustreach.ethics.disclosure import read_manifest

c2pa = pytest.importorskip("c2pa")

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def png(width: int = 8, height: int = 8) -> bytes:
    raw = b"".join(b"\x00" + bytes([200, 100, 50]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _signer() -> object:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    day = datetime.timedelta(days=1)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "trustreach tests"),
            ]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
            crl_sign=not sign, encipher_only=False, decipher_only=False,
        )  # fmt: skip

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("test CA"))
        .issuer_name(name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - day)
        .not_valid_after(now + day)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("test signer"))
        .issuer_name(name("test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - day)
        .not_valid_after(now + day)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None)
    return c2pa.Signer.from_info(info)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    signer = _signer()
    out: dict[str, Path] = {}
    for label, source in (
        ("ai", AI),
        ("camera", "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"),
    ):
        manifest = {
            "claim_generator_info": [{"name": "trustreach-test", "version": "1"}],
            "title": f"{label}.png",
            "assertions": [
                {
                    "label": "c2pa.actions",
                    "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": source}]},
                }
            ],
        }
        signed = io.BytesIO()
        with c2pa.Builder(manifest) as builder:
            builder.sign(signer, "image/png", io.BytesIO(png()), signed)
        out[label] = folder / f"{label}.png"
        out[label].write_bytes(signed.getvalue())
    out["plain"] = folder / "plain.png"
    out["plain"].write_bytes(png())
    out["cut"] = folder / "cut.png"
    out["cut"].write_bytes(out["ai"].read_bytes()[:300])
    out["text"] = folder / "notes.png"
    out["text"].write_text("not an image")
    return out


def test_ai_manifest_is_read(media: dict[str, Path]) -> None:
    m = read_manifest(media["ai"])
    assert m.finding == "ai" and m.digital_source_types == [AI]
    assert m.claim_generator == "trustreach-test 1" and m.signer == "trustreach tests"
    assert "signingCredential.untrusted" in m.validation and "trust list" in m.message
    camera = read_manifest(media["camera"])
    assert camera.finding == "not_ai" and camera.digital_source_types[0].endswith("digitalCapture")


def test_no_manifest_and_broken_files(media: dict[str, Path]) -> None:
    assert read_manifest(media["plain"]).finding == "none"
    for bad in ("cut", "text"):
        m = read_manifest(media[bad])
        assert m.finding == "unreadable" and "not readable" in m.message, m
    assert "no such file" in read_manifest(media["plain"].with_name("gone.png")).message


def test_cli_check_media(media: dict[str, Path]) -> None:
    from trustreach.cli import app

    paths = [str(media[k]) for k in ("ai", "plain", "text")]
    out = CliRunner().invoke(app, ["disclosure", "check-media", *paths, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert [m["finding"] for m in json.loads(out.output)] == ["ai", "none", "unreadable"]
    table = CliRunner().invoke(app, ["disclosure", "check-media", paths[0]])
    assert table.exit_code == 0 and "generative AI" in table.output
