"""Outbound HTTP to typed URLs: which addresses are public, and TLS on a pinned address."""

import ipaddress
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ambassador import egress

NAME = "hooks.example.test"


@pytest.mark.parametrize("text, expected", [
    ("93.184.215.14", True), ("2606:4700::1111", True), ("8.8.8.8", True),
    ("127.0.0.1", False), ("10.2.3.4", False), ("172.16.0.1", False), ("192.168.0.1", False),
    ("100.64.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False),
    ("255.255.255.255", False), ("224.0.0.251", False), ("::1", False), ("fe80::1", False),
    ("fd12:3456::1", False), ("::ffff:10.0.0.1", False), ("::", False),
    ("192.0.2.1", False),  # documentation addresses are not on the internet either
])
def test_which_addresses_are_public(text, expected):
    assert egress.public(egress._address(text)) is expected


def test_the_setting_lists_names_addresses_and_networks():
    internal = egress.Internal.parse(" Hooks.Corp.Example. ; 10.1.0.0/16,[fd00::5], ,junk/x")
    assert internal.names == {"hooks.corp.example", "junk/x"}
    assert internal.allows("HOOKS.corp.example", ipaddress.ip_address("10.9.9.9"))
    assert internal.allows("other", ipaddress.ip_address("10.1.200.3"))
    assert internal.allows("other", ipaddress.ip_address("fd00::5"))
    assert not internal.allows("other", ipaddress.ip_address("10.2.0.1"))
    assert egress.Internal.parse(None) == egress.Internal()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for NAME, and a client context that trusts only it."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    cert, key = certificate
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append((self.path, self.headers["Host"],
                         self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, seen
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def resolves_locally(monkeypatch):
    """NAME and other.example.test resolve to 127.0.0.1, which the test allows."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in (NAME, "other.example.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return egress.Internal.parse("127.0.0.1")


def test_https_to_a_pinned_address_still_checks_the_certificate_for_the_name(
        certificate, tls_server, resolves_locally):
    port, seen = tls_server
    client = ssl.create_default_context(cafile=str(certificate[0]))
    status = egress.post(f"https://{NAME}:{port}/in?x=1", b"{}", {"X-Test": "1"}, 5,
                         resolves_locally, tls_context=client)
    assert status == 201 and seen == [("/in?x=1", f"{NAME}:{port}", b"{}")]
    # The same address under a name the certificate does not carry: refused by TLS.
    with pytest.raises(ssl.SSLCertVerificationError):
        egress.post(f"https://other.example.test:{port}/in", b"{}", {}, 5, resolves_locally,
                    tls_context=client)
    # And a certificate nobody vouches for is refused by the default context.
    with pytest.raises(ssl.SSLCertVerificationError):
        egress.post(f"https://{NAME}:{port}/in", b"{}", {}, 5, resolves_locally)
    assert len(seen) == 1


def test_a_garbled_answer_is_a_network_error(resolves_locally):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer():
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b"SMTP ready\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    with pytest.raises(OSError):
        egress.post(f"http://{NAME}:{port}/", b"{}", {}, 5, resolves_locally)
    thread.join()
    listener.close()


def test_an_international_host_name_is_looked_up_and_sent_as_dns_spells_it(monkeypatch):
    seen, real = [], socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "xn--bcher-kva.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        allowed = egress.Internal.parse("Bücher.example")
        assert egress.post(f"http://bücher.example:{port}/", b"", {}, 5, allowed) == 204
        assert seen == [f"xn--bcher-kva.example:{port}"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
