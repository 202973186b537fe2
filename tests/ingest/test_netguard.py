"""The address guard: classification, odd spellings, allow-lists, connect-time vetting."""

from __future__ import annotations

import ipaddress
import time

import httpcore
import pytest

from nutgraf.errors import FetchError
from nutgraf.ingest.netguard import (
    AddressRefused,
    GuardedBackend,
    check_address,
    check_host_spelling,
    classify_address,
    deadline_scope,
    parse_networks,
    resolve_host,
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address (where cloud metadata services live)"),
        ("100.64.0.1", "a carrier-grade NAT (100.64.0.0/10) address"),
        ("100.127.255.254", "a carrier-grade NAT (100.64.0.0/10) address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("0.0.0.0", "an unspecified ('this network') address"),
        ("0.1.2.3", "an unspecified ('this network') address"),
        ("192.0.2.1", "a private address"),
        ("198.18.0.1", "a private address"),
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("fec0::1", "a site-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address (IPv4-mapped 127.0.0.1)"),
        ("::ffff:169.254.169.254", "a link-local address (where cloud metadata services live)"),
        ("::ffff:10.1.2.3", "a private address (IPv4-mapped 10.1.2.3)"),
        ("2002:7f00:1::1", "a loopback address (6to4 127.0.0.1)"),
        ("2002:a00:1::", "a private address (6to4 10.0.0.1)"),
        ("64:ff9b::a00:1", "a private address (NAT64 10.0.0.1)"),
        ("64:ff9b::a9fe:a9fe", "a link-local address"),
        ("::7f00:1", "a reserved address"),
        ("2001:db8::1", "a private address"),
    ],
)
def test_non_public_addresses_are_named(address: str, reason: str) -> None:
    named = classify_address(ipaddress.ip_address(address))
    assert named is not None and named.startswith(reason)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "1.1.1.1",
        "8.8.8.8",
        "2606:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:93.184.215.14",
        "2002:5db8:d70e::1",
        "64:ff9b::808:808",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert classify_address(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host", ["2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "127.1", "127.0.1", "017700000001",
             "127.0.0.01", "0x7f.0.0.1", "256.0.0.1", "0"],
)  # fmt: skip
def test_odd_ipv4_spellings_are_refused(host: str) -> None:
    with pytest.raises(AddressRefused, match="unusual spelling"):
        check_host_spelling(host)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("8.8.8.8", "8.8.8.8"),
        ("1.2.3.4.", "1.2.3.4"),
        ("::1", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("example.org", None),
        ("cafe.de", None),
        ("123.example", None),
        ("0x7f.example", None),
    ],
)
def test_host_spelling_recognises_literals_and_names(host: str, expected: str | None) -> None:
    literal = check_host_spelling(host)
    assert literal == (None if expected is None else ipaddress.ip_address(expected))


def test_zone_ids_and_escaped_names_are_refused() -> None:
    with pytest.raises(AddressRefused, match="zone id"):
        check_host_spelling("fe80::1%eth0")
    with pytest.raises(AddressRefused, match="not a valid host name"):
        check_host_spelling("exa%20mple.org")


def test_the_allow_list_is_exact_per_family() -> None:
    allow = parse_networks(["127.0.0.1/32", " 10.0.0.0/8 "])
    check_address("h", ipaddress.ip_address("127.0.0.1"), allow)
    check_address("h", ipaddress.ip_address("10.200.0.1"), allow)
    check_address("h", ipaddress.ip_address("93.184.215.14"), allow)
    for refused in ("127.0.0.2", "::ffff:127.0.0.1", "192.168.0.1", "::1"):
        with pytest.raises(AddressRefused, match="allow_networks"):
            check_address("h", ipaddress.ip_address(refused), allow)


def test_a_bad_allow_list_entry_names_the_value() -> None:
    with pytest.raises(FetchError, match=r"^allow_networks has value 'intranet', not a network"):
        parse_networks(["10.0.0.0/8", "intranet"])


def test_the_backend_vets_every_resolved_address() -> None:
    backend = GuardedBackend(parse_networks([]), resolver=lambda h, p, t: ["8.8.8.8", "10.0.0.1"])
    with pytest.raises(AddressRefused) as caught:
        backend.vet("mixed.test", 80, 1.0)
    assert str(caught.value) == (
        "mixed.test resolves to 10.0.0.1, a private address; nutgraf refuses it "
        "(add the network to allow_networks to allow intranet feeds)"
    )
    backend = GuardedBackend(parse_networks([]), resolver=lambda h, p, t: ["8.8.8.8"])
    assert backend.vet("public.test", 80, 1.0) == [ipaddress.ip_address("8.8.8.8")]


def test_the_backend_refuses_odd_spellings_without_resolving() -> None:
    def resolver(host: str, port: int, timeout: float | None) -> list[str]:
        raise AssertionError("should not resolve")

    backend = GuardedBackend(parse_networks(["0.0.0.0/0"]), resolver=resolver)
    with pytest.raises(AddressRefused, match="unusual spelling"):
        backend.connect_tcp("2130706433", 80, timeout=1.0)


def test_connect_honours_the_deadline() -> None:
    backend = GuardedBackend(parse_networks(["127.0.0.0/8"]))
    with deadline_scope(time.monotonic() - 1), pytest.raises(httpcore.ConnectTimeout):
        backend.connect_tcp("127.0.0.1", 9, timeout=5.0)


def test_resolve_host_uses_the_system_resolver() -> None:
    assert "127.0.0.1" in resolve_host("localhost", 80, 5.0)
    with pytest.raises(httpcore.ConnectError, match="cannot resolve"):
        resolve_host("no-such-host.invalid", 80, 5.0)
