"""电子印章: every document a department issues carries its PAdES signature.

The portal keeps a small CA of its own in SEAL_DIR (files, never the database: the external zone's
tables must not hold key material, and documents are issued and signed inside):

    SEAL_DIR/root.pem  root.key                 the portal's root certificate and key
    SEAL_DIR/departments/<code>.pem  <code>.key one certificate and key per department

`manage.py issue_seals` (and `seed_demo`) create what is missing and leave what exists, so keys
are never regenerated; a department without a seal gets one on its first document. A reader
trusting root.pem sees each signature as valid, and any change to the signed bytes breaks it.
"""

import asyncio
import datetime
import fcntl
import hashlib
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from portal.models import Department

logger = logging.getLogger(__name__)

ROOT_YEARS, SEAL_YEARS = 20, 5
SAFE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def seal_dir() -> Path:
    return Path(settings.SEAL_DIR)


def root_cert_path() -> Path:
    return seal_dir() / "root.pem"


def _department_stem(department: Department) -> Path:
    code = department.code
    name = code if SAFE_CODE.fullmatch(code) else hashlib.sha256(code.encode()).hexdigest()[:32]
    return seal_dir() / "departments" / name


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    """Whole or not at all (a crash leaves no half key); keys readable by the portal's user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(partial, path)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, years: int, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(settings.SITE_NAME)),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@contextmanager
def _locked():
    """One process creates keys at a time: two roots written at once would orphan a seal."""
    seal_dir().mkdir(parents=True, exist_ok=True)
    with open(seal_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _root() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = root_cert_path(), seal_dir() / "root.key"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(f"{settings.SITE_NAME} Root CA")
        cert = _certificate(name, key, name, key, years=ROOT_YEARS, ca=True)
        _write(key_path, _pem_key(key), secret=True)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        logger.info("seal_root_created path=%s", cert_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert, serialization.load_pem_private_key(key_path.read_bytes(), password=None)


def seal_ensure(department: Department) -> bool:
    """The department's certificate and key, created (under the root, created too) if missing; True if new."""
    stem = _department_stem(department)
    cert_path, key_path = stem.with_suffix(".pem"), stem.with_suffix(".key")
    if cert_path.exists() and key_path.exists():
        return False
    with _locked():
        if cert_path.exists() and key_path.exists():
            return False
        root, root_key = _root()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(_name(department.name), key, root.subject, root_key, years=SEAL_YEARS, ca=False)
        _write(key_path, _pem_key(key), secret=True)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    logger.info("seal_issued department=%s path=%s", department.code, cert_path)
    return True


def seed() -> list[tuple[str, str]]:
    """seed_demo: a seal for every department; adds no login."""
    for department in Department.objects.all():
        seal_ensure(department)
    return []


def seal(content: bytes, department: Department, *, reason: str) -> bytes:
    """The PDF with the department's PAdES signature (B-B, SHA-256) over all of it."""
    seal_ensure(department)
    stem = _department_stem(department)
    signer = signers.SimpleSigner.load(
        str(stem.with_suffix(".key")), str(stem.with_suffix(".pem")), ca_chain_files=(str(root_cert_path()),)
    )
    metadata = signers.PdfSignatureMetadata(
        field_name="Seal",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=department.name,
    )
    signing = signers.PdfSigner(metadata, signer=signer).async_sign_pdf(IncrementalPdfFileWriter(BytesIO(content)))
    return _run(signing).getvalue()


def _run(coroutine):
    """pyHanko signs asynchronously; its sync wrapper calls asyncio.run, which refuses to run in a
    thread that already has an event loop (an ASGI handler, Playwright's sync API in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
