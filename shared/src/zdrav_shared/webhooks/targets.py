"""Where webhooks may go: public addresses, and private or loopback ones only when listed.

``ZDRAV_WEBHOOK_ALLOW`` lists host names or addresses (comma-separated) that may be private or
loopback (a receiver inside the ministry's network, a test receiver on 127.0.0.1). Every other
target must resolve to public addresses only, so that a webhook cannot be pointed at the cluster's
own services or a cloud metadata endpoint. The check runs when a webhook is created and again
before every delivery (a name may resolve elsewhere later).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why."""


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"the host {host} does not resolve") from exc
    return sorted({str(info[4][0]) for info in infos})


async def check_target(url: str, allow: Collection[str]) -> None:
    """Raise :class:`TargetRefused` unless ``url`` may receive webhooks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("a webhook URL must be http or https")
    host = parts.hostname
    if not host:
        raise TargetRefused("a webhook URL needs a host")
    if parts.username or parts.password:
        raise TargetRefused("a webhook URL may not carry credentials; use the secret to authenticate")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("the port of the webhook URL is not valid") from exc
    allowed = {a.strip().lower() for a in allow if a.strip()}
    if host.lower() in allowed:
        return
    # An allowed address counts too: listing 127.0.0.1 allows http://localhost:… that resolves to it.
    private = [a for a in await _addresses(host, port) if _is_private(a) and a.lower() not in allowed]
    if private:
        raise TargetRefused(
            f"{host} resolves to a private or loopback address ({private[0]}); "
            "list the host in ZDRAV_WEBHOOK_ALLOW to allow it"
        )
