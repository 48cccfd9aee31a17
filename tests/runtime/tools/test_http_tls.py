"""HTTPS through the pinned address: TLS SNI and certificate checks use the host name."""
from __future__ import annotations

import datetime
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from runtime.errors import ToolConnectionError
from runtime.tools.http import HttpTool
from runtime.tools.http_client import SafeHttpClient
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import make_ctx


def self_signed(tmp_path, hostname: str):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{hostname}.pem", tmp_path / f"{hostname}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_server(tmp_path):
    cert, key = self_signed(tmp_path, "api.test")
    seen: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen["host"] = self.headers["Host"]
            seen["sni"] = getattr(self.connection, "sni", "")
            body = b'{"secure": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def remember_sni(sock, server_name, _ctx):
        sock.sni = server_name  # type: ignore[attr-defined]

    context.sni_callback = remember_sni
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield httpd.server_address[1], cert, seen
    httpd.shutdown()
    httpd.server_close()


def client_trusting(cert) -> SafeHttpClient:
    trust = ssl.create_default_context(cafile=str(cert))
    return SafeHttpClient(resolver=lambda host, port: ["127.0.0.1"], verify=trust)


def test_https_to_a_pinned_address_verifies_the_name_and_sends_sni(https_server):
    port, cert, seen = https_server
    tool = HttpTool(client=client_trusting(cert))
    out = tool.invoke({"method": "GET", "url": f"https://api.test:{port}/"},
                      make_ctx(policy=HttpPolicy(allow=("api.test",))))
    assert out["body"] == {"secure": True}
    assert seen == {"host": f"api.test:{port}", "sni": "api.test"}


def test_certificate_for_another_name_is_rejected(https_server, tmp_path):
    port, cert, _seen = https_server
    tool = HttpTool(client=client_trusting(cert))
    with pytest.raises(ToolConnectionError):
        tool.invoke({"method": "GET", "url": f"https://other.test:{port}/"},
                    make_ctx(policy=HttpPolicy(allow=("other.test",))))
