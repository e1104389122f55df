"""The softphone's TLS/DTLS certificate: the operator's own (settings), else a self-signed one made
once at first start under secrets_dir. Asterisk serves https/wss with it and signs DTLS-SRTP
handshakes with it (browsers check DTLS by the SDP fingerprint, not by a CA)."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hotline.settings import Settings


class CertificateError(RuntimeError):
    pass


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def softphone_certificate(s: Settings) -> Certificate:
    if s.softphone_cert_file or s.softphone_key_file:
        cert, key = Path(s.softphone_cert_file), Path(s.softphone_key_file)
        for what, path in (("softphone_cert_file", cert), ("softphone_key_file", key)):
            if not path.is_file():
                raise CertificateError(f"{what} {str(path)!r} is not a file: give both the certificate and "
                                       f"its key, or neither (a self-signed one is made)")
        return Certificate(cert, key)
    made = Certificate(s.secrets_dir / "softphone.crt", s.secrets_dir / "softphone.key")
    if not (made.cert.exists() and made.key.exists()):
        _self_signed(s, made)
    return made


def _self_signed(s: Settings, out: Certificate) -> None:
    openssl = shutil.which("openssl")
    if not openssl:
        raise CertificateError("openssl not found: install it, or set softphone_cert_file/softphone_key_file")
    s.secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    names = ["DNS:localhost", "IP:127.0.0.1"]
    for host in {s.softphone_bind, s.softphone_external_address} - {"", "0.0.0.0", "127.0.0.1", "::"}:
        try:
            names.append(f"IP:{ipaddress.ip_address(host)}")
        except ValueError:
            names.append(f"DNS:{host}")
    tmp_key = out.key.with_suffix(".key.tmp")
    # the key is private from its first byte: openssl creates it under this umask
    old = os.umask(0o077)
    try:
        done = subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
             "-subj", "/CN=hotline softphone", "-addext", "subjectAltName=" + ",".join(names),
             "-keyout", str(tmp_key), "-out", str(out.cert)],
            capture_output=True, text=True, timeout=60)
    finally:
        os.umask(old)
    if done.returncode != 0:
        tmp_key.unlink(missing_ok=True)
        raise CertificateError(f"openssl could not make the softphone certificate: {done.stderr.strip()}")
    tmp_key.chmod(0o600)
    tmp_key.replace(out.key)  # the pair is complete only once the key is in place
