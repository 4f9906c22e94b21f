"""Outbound HTTP to a URL a user typed: public addresses only, unless an admin lists them.

A webhook URL is chosen in the browser, but its request leaves from our server, inside
the company's network. Unguarded, such a URL reaches what only that network can: an
admin panel on 10.0.0.5, the cloud's metadata service on 169.254.169.254, Redis on
localhost. So the host name is resolved once, every address it gives must be public
(or allowed by WEBHOOK_INTERNAL_HOSTS), and the connection goes to an address that was
checked: a DNS answer that changes between the check and the connection (rebinding)
reaches nothing new. TLS still checks the certificate against the host name.
"""

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refused(ValueError):
    """The host is, or resolves to, an address that is not on the public internet."""

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} is {address}, not a public internet address")
        self.host, self.address = host, address


@dataclass(frozen=True)
class Internal:
    """What WEBHOOK_INTERNAL_HOSTS allows: host names, and addresses or networks."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, setting: str | None) -> "Internal":
        """'hooks.corp.example, 10.0.0.0/8, ::1' → the names and the networks."""
        names, networks = set(), []
        for entry in (setting or "").replace(";", ",").split(","):
            entry = entry.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(_ascii(entry))
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        return _name(host) in self.names or any(address in n for n in self.networks
                                                if n.version == address.version)


def _name(host: str) -> str:
    return _ascii(host.lower().rstrip("."))


def _ascii(name: str) -> str:
    """A host name as DNS and the Host header spell it: bücher.example → xn--bcher-kva.example."""
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def _address(text: str) -> Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def public(address: Address) -> bool:
    """On the public internet: not private, loopback, link-local, shared, reserved, multicast."""
    return address.is_global and not address.is_multicast


def literal_refusal(host: str, internal: Internal) -> str | None:
    """Without DNS: the address a host name written as an address (or localhost) refuses."""
    name = _name(host)
    if name in internal.names:
        return None
    if name == "localhost" or name.endswith(".localhost"):
        return "127.0.0.1"
    try:
        address = _address(name.strip("[]"))
    except ValueError:
        return None  # a name: its addresses are checked when we connect
    if public(address) or internal.allows(name, address):
        return None
    return str(address)


def resolve(host: str, port: int, internal: Internal) -> list[str]:
    """The host's addresses, once, each of them public or allowed (else Refused)."""
    addresses = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    for text in addresses:
        address = _address(text)
        if not (public(address) or internal.allows(host, address)):
            raise Refused(host, str(address))
    return addresses


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _HTTP(http.client.HTTPConnection):
    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _HTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, addresses, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self.addresses = addresses

    def connect(self):
        sock = _connect(self.addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float, internal: Internal,
         tls_context=None) -> int:
    """POST body to url, connected to a checked address; return the status code.

    No redirect is followed and no proxy is used. Raises Refused for an address that is
    not public, OSError for a network, DNS or TLS error, ValueError for a bad URL.
    """
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    host = _ascii(parts.hostname or "")
    refused = literal_refusal(host, internal)
    if refused:
        raise Refused(host, refused)
    addresses = resolve(host, port, internal)
    connection = (_HTTPS(host, port, addresses, timeout, tls_context) if https
                  else _HTTP(host, port, addresses, timeout))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    except http.client.HTTPException as exc:  # a garbled answer is a network error
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
