"""The address guard: which IP addresses nutgraf may connect to, checked at connect time.

``classify_address`` names why an address is not public (loopback, private, link-local...);
``check_host_spelling`` refuses odd spellings of IPv4 addresses (``2130706433``, ``0x7f.1``,
``127.1``); ``GuardedBackend`` is an httpcore network backend that resolves the host itself,
vets every resolved address and connects the socket to a vetted one, so a DNS answer cannot
change between the check and the connection. TLS still runs against the hostname: httpcore
calls ``start_tls`` with the origin host for SNI and certificate checks.
"""

from __future__ import annotations

import ipaddress
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore

from nutgraf.errors import FetchError

__all__ = [
    "AddressRefused",
    "GuardedBackend",
    "IPAddress",
    "IPNetwork",
    "Resolver",
    "check_address",
    "check_host_spelling",
    "classify_address",
    "deadline_scope",
    "parse_networks",
    "resolve_host",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int, float | None], list[str]]
"""``(host, port, timeout) -> addresses``: how ``GuardedBackend`` turns a name into IPs."""

ALLOW_HINT = "add the network to allow_networks to allow intranet feeds"

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
_NUMBER_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_CANONICAL_PART = re.compile(r"^(?:0|[1-9][0-9]{0,2})$")


class AddressRefused(FetchError):
    """The guard refused a host; ``detail`` completes a sentence that starts with the URL."""

    def __init__(self, host: str, detail: str) -> None:
        super().__init__(f"{host} {detail}")
        self.host = host
        self.detail = detail


# --- classification (pure) --------------------------------------------------------------------


def _classify_v4(ip: ipaddress.IPv4Address) -> str | None:
    """The reason an IPv4 address is not public, or None when it is."""
    if ip in _THIS_NETWORK:
        return "an unspecified ('this network') address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip in _CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved or ip == ipaddress.IPv4Address("255.255.255.255"):
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """An IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), with its kind."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    if ip in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify_address(ip: IPAddress) -> str | None:
    """Say why ``ip`` is not a public unicast address (``"a private address"``...), or None.

    Args:
        ip: a resolved address.

    Returns:
        A phrase such as ``"a loopback address"`` for loopback, private, link-local, CGNAT,
        multicast, reserved and unspecified addresses, including IPv4 ones embedded in IPv6
        (``::ffff:127.0.0.1``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``); None when public.
    """
    if isinstance(ip, ipaddress.IPv4Address):
        return _classify_v4(ip)
    embedded = _embedded_v4(ip)
    if embedded is not None:
        kind, v4 = embedded
        reason = _classify_v4(v4)
        return None if reason is None else f"{reason} ({kind} {v4})"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in _IPV4_COMPATIBLE or ip.is_reserved:
        return "a reserved address"
    if ip in _SITE_LOCAL or ip.is_site_local:
        return "a site-local address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse allow-list CIDR strings (``"10.0.0.0/8"``), or raise FetchError naming the bad one."""
    networks: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise FetchError(
                f"allow_networks has value {cidr!r}, not a network in CIDR form "
                f"(e.g. '10.0.0.0/8'): {exc}"
            ) from None
    return tuple(networks)


def check_address(host: str, ip: IPAddress, allow: Sequence[IPNetwork]) -> None:
    """Raise AddressRefused unless ``ip`` is public or inside an allowed network."""
    if any(ip.version == net.version and ip in net for net in allow):
        return
    reason = classify_address(ip)
    if reason is not None:
        raise AddressRefused(host, f"resolves to {ip}, {reason}; nutgraf refuses it ({ALLOW_HINT})")


def check_host_spelling(host: str) -> IPAddress | None:
    """Return the IP a literal host spells (None for a name); refuse odd IPv4 spellings.

    ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` and ``127.1`` all mean 127.0.0.1 to some
    resolvers; only the dotted-quad form ``127.0.0.1`` (and plain IPv6) is accepted.
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if "%" in bare and ":" in bare:
        raise AddressRefused(host, "has an IPv6 zone id; nutgraf refuses scoped addresses")
    if "%" in bare:
        raise AddressRefused(host, "is not a valid host name")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    parts = bare[:-1].split(".") if bare.endswith(".") else bare.split(".")
    if 1 <= len(parts) <= 4 and all(_NUMBER_PART.match(part) for part in parts):
        canonical = len(parts) == 4 and all(_CANONICAL_PART.match(p) for p in parts)
        if canonical and all(int(p) <= 255 for p in parts):
            return ipaddress.IPv4Address(".".join(parts))
        raise AddressRefused(
            host,
            "is an IP address in an unusual spelling (decimal, octal, hex or shortened); "
            "nutgraf refuses it: write the address as four decimal numbers, e.g. 192.0.2.1",
        )
    return None


# --- deadline shared with the network streams -------------------------------------------------

_DEADLINE: ContextVar[float | None] = ContextVar("nutgraf_fetch_deadline", default=None)


@contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Within the block, every socket operation ends by ``deadline`` (``time.monotonic``)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    """``timeout`` shortened to the time left before the deadline; ``exc`` when none is left."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise exc("the fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _SocketStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never wait past the fetch deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _httpcore_errors(httpcore.ReadTimeout, httpcore.ReadError):
            self._sock.settimeout(_clamp(timeout, httpcore.ReadTimeout))
            return self._sock.recv(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _httpcore_errors(httpcore.WriteTimeout, httpcore.WriteError):
            while buffer:
                self._sock.settimeout(_clamp(timeout, httpcore.WriteTimeout))
                sent = self._sock.send(buffer)
                buffer = buffer[sent:]

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """Wrap the socket in TLS; SNI and the certificate check use ``server_hostname``."""
        with _httpcore_errors(httpcore.ConnectTimeout, httpcore.ConnectError):
            try:
                self._sock.settimeout(_clamp(timeout, httpcore.ConnectTimeout))
                wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
            except BaseException:
                self._sock.close()
                raise
        return _SocketStream(wrapped)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock._sslobj  # type: ignore[attr-defined]  # as httpcore's SyncStream
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return _is_readable(self._sock)
        return None


def _is_readable(sock: socket.socket) -> bool:
    """True when the peer closed the idle connection (or sent unexpected data)."""
    if sock.fileno() < 0:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


@contextmanager
def _httpcore_errors(timeout_exc: type[Exception], error_exc: type[Exception]) -> Iterator[None]:
    """Turn socket timeouts and OS errors into the httpcore exceptions httpx maps."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout_exc(str(exc) or "timed out") from exc
    except OSError as exc:
        raise error_exc(str(exc)) from exc


# --- resolving and connecting -----------------------------------------------------------------


def resolve_host(host: str, port: int, timeout: float | None) -> list[str]:
    """Resolve ``host`` with ``socket.getaddrinfo`` in a daemon thread, bounded by ``timeout``."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout:.1f} s")
    if "error" in box:
        raise httpcore.ConnectError(f"cannot resolve {host}: {box['error']}")
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in box["infos"]:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore backend that connects only to vetted addresses.

    ``connect_tcp`` resolves the host once, refuses the host when ANY resolved address is
    not public (unless allowed), then connects to the vetted addresses in order.
    """

    def __init__(self, allow: Sequence[IPNetwork], resolver: Resolver = resolve_host) -> None:
        self._allow = tuple(allow)
        self._resolver = resolver

    def vet(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """Resolve ``host`` and check every address; the vetted addresses, in resolver order."""
        literal = check_host_spelling(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            found = self._resolver(host, port, timeout)
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            if not addresses:
                raise httpcore.ConnectError(f"{host} resolves to no address")
        for ip in addresses:
            check_address(host, ip, self._allow)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        addresses = self.vet(host, port, timeout)
        errors: list[str] = []
        for ip in addresses:
            family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError as exc:
                errors.append(f"{ip}: {exc.strerror or exc}")
                continue
            try:
                sock.settimeout(_clamp(timeout, httpcore.ConnectTimeout))
                if local_address is not None:
                    sock.bind((local_address, 0))
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect((str(ip), port))
            except TimeoutError:
                sock.close()
                raise httpcore.ConnectTimeout(f"connecting to {ip} port {port} timed out") from None
            except OSError as exc:
                sock.close()
                errors.append(f"{ip}: {exc.strerror or exc}")
                continue
            return _SocketStream(sock)
        raise httpcore.ConnectError(f"cannot connect to {host} port {port} ({'; '.join(errors)})")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
