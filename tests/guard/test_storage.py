"""Storage URLs: memory://, redis:// and rediss:// (a real TLS Redis); anything else refused."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from apiward.core.errors import ConfigError
from apiward.guard import Policy, RateLimitPolicy
from apiward.guard.authn.config import SignaturesConfig

pytestmark = pytest.mark.anyio


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "redis.crt", tmp / "redis.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server speaking TLS only, on an ephemeral port of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("tls-redis")
    cert, key = _certificate(tmp)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
            "--tls-cert-file", str(cert), "--tls-key-file", str(key),
            "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no",
            "--save", "", "--appendonly", "no", "--dir", str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _listening(port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}"
    server.terminate()
    server.wait(timeout=10)


async def test_rediss_counts_in_the_shared_tls_redis(
    guarded: Callable[..., Any], tls_redis: str
) -> None:
    """Two guards over one rediss:// URL share their counters: the third request is refused."""
    policy = RateLimitPolicy(storage=tls_redis, limits=("2/minute",))
    async with guarded(client_ip="198.18.7.7", ratelimit=policy) as first:
        one = await first.get("/items/1")
    async with guarded(client_ip="198.18.7.7", ratelimit=policy) as second:
        two, three = await second.get("/items/1"), await second.get("/items/1")
    assert [one.status_code, two.status_code, three.status_code] == [200, 200, 429]


async def test_rediss_that_cannot_connect_fails_closed(guarded: Callable[..., Any]) -> None:
    """rediss:// to a Redis that speaks no TLS is unavailable storage (503), never memory."""
    policy = RateLimitPolicy(storage="rediss://127.0.0.1:6379/0")
    async with guarded(ratelimit=policy) as http:
        answer = await http.get("/items/1")
    assert answer.status_code == 503
    assert answer.json()["type"].endswith("/ratelimit.unavailable")


@pytest.mark.parametrize(
    "url", ["redis+sentinel://h:1", "memcached://127.0.0.1:11211", "Redis://h:1", "127.0.0.1:6379"]
)
def test_unknown_storage_schemes_are_refused_however_built(url: str, tmp_path: Path) -> None:
    """Python or YAML, a storage URL the guard does not know stops the start: no silent memory."""
    with pytest.raises(ConfigError, match="not a storage URL"):
        Policy(ratelimit=RateLimitPolicy(storage=url))
    with pytest.raises(ConfigError, match="not a storage URL"):
        SignaturesConfig(keys={}, nonce_storage=url)
    path = tmp_path / "apiward.yaml"
    path.write_text(f"ratelimit:\n  storage: '{url}'\n")
    with pytest.raises(ConfigError) as failed:
        Policy.load(path)
    assert failed.value.line == 2
