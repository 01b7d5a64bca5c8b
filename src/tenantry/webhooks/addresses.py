"""Where a webhook may point: http(s) URLs whose host resolves only to public addresses.

A URL naming loopback, private, link-local (the cloud metadata address 169.254.169.254
among them), shared, multicast, reserved or unspecified addresses is refused when it is
saved, and again each time it is dialled: the sender connects to the very address checked
here (``Target.address``), so a host whose DNS answer changes in between (rebinding) gets no
connection. Decimal, octal and IPv4-mapped IPv6 spellings resolve to the address they mean
and are judged by it. ``allow_private`` (a deployment setting, for tests and closed
networks) lifts the address rule; the scheme and shape rules stay.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tenantry.errors import Invalid

Resolver = Callable[[str, int], list[str]]
MAX_URL = 2000


class UnsafeUrl(Invalid):
    code = "WEBHOOK_URL_REFUSED"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host resolves to (IPv4 and IPv6), as the system resolver says."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # as written in the URL (for the Host header and TLS)
    port: int
    path: str  # path and query
    address: str  # the checked address to connect to

    def url_for_address(self) -> str:
        literal = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


# IPv6 ranges that carry an IPv4 address in their last 32 bits, reaching it through a
# translator or an old transition mechanism: NAT64's well-known prefix, SIIT's translated
# form, the deprecated IPv4-compatible form
EMBEDDING_V4 = tuple(
    ipaddress.ip_network(net) for net in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96")
)
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # a network's own translator: refused


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in net for net in EMBEDDING_V4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False
        embedded = _embedded(ip)
        if embedded is not None and not _public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an acceptable URL; UnsafeUrl names what is wrong."""
    if len(url) > MAX_URL:
        raise UnsafeUrl(f"A webhook URL is at most {MAX_URL} characters.", field="url")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeUrl("That is not a URL.", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("A webhook URL starts with https:// (or http://).", field="url")
    if not parts.hostname:
        raise UnsafeUrl("A webhook URL names a host.", field="url")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Put no user name or password in a webhook URL.", field="url")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def check(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> Target:
    """The URL's target, resolved now; refused unless every address it has is public."""
    scheme, host, port, path = parse(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host {host} cannot be resolved.", field="url") from None
    if not addresses:
        raise UnsafeUrl(f"The host {host} cannot be resolved.", field="url")
    if not allow_private:
        refused = [a for a in addresses if not _public(a)]
        if refused:
            raise UnsafeUrl(
                f"The host {host} resolves to {refused[0]}, an internal address "
                "(loopback, private, link-local or reserved): webhooks go to public hosts only.",
                field="url",
            )
    return Target(scheme, host, port, path, addresses[0])
