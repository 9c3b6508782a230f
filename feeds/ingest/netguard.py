"""Refuse connections to addresses that are not on the public internet.

requests-hardened's ``IPFilterAdapter`` resolves the host once, refuses a private
address, and pins the connection to the address it checked (the Host header, SNI and
the certificate check keep the name), so a second DNS answer cannot rebind it. It runs
for every request the adapter sends, so every redirect hop is checked too.

Its own test is ``is_private or is_multicast`` plus a few extra ranges; ``GuardedAdapter``
adds a second, stricter test on the very address it pinned (anything not global, reserved
or site-local: e.g. fec0::/10 and IPv4-compatible ::a.b.c.d pass the first test) and names
the host in the error.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import requests
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(requests.RequestException):
    """The host resolved to an address we do not connect to. Nothing was sent."""

    def __init__(self, host: str, address: str, **kwargs):
        super().__init__(f"{host} resolves to a non-public address ({address})", **kwargs)
        self.host = host
        self.address = address


def _unwrap(address: IPAddress) -> IPAddress:
    """An IPv4 address carried inside IPv6 is judged as the IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public_address(address: str | IPAddress) -> bool:
    ip = _unwrap(ipaddress.ip_address(address))
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_reserved
        or getattr(ip, "is_site_local", False)
        or any(ip in net for net in EXTRA_BLOCKED_NET_RANGES if net.version == ip.version)
    )


class GuardedAdapter(IPFilterAdapter):
    """An HTTP(S) adapter that connects only to public addresses."""

    def __init__(self, *, https: bool):
        super().__init__(is_https_proto=https, allow_loopback=False)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host = urlsplit(request.url).hostname or ""
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
        except InvalidIPAddress as exc:
            raise AddressRefused(host, str(exc.args[0]), request=request) from exc
        pinned = host_params["host"].strip("[]")
        if not is_public_address(pinned):
            raise AddressRefused(host, pinned, request=request)
        return host_params, pool_kwargs
