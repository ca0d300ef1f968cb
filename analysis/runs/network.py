"""Network addresses: a Dask scheduler's, and the host the dashboard serves on.

A scheduler address is ``tcp://HOST:PORT`` (or ``HOST:PORT``). Before Dask is handed the
address, :func:`probe_scheduler` connects with a bounded timeout and reads the first message a
Dask scheduler sends every new connection (an 8-byte length, then that many bytes): a peer that
says nothing, closes the connection, or answers with something that is not that message (a web
or SSH server, whose first bytes read as a length of exabytes) is refused with one message,
instead of Dask waiting for ever or trying to allocate what the garbage asks for.

The dashboard's host must be a non-empty address; :func:`exposure` says, for any address but a
loopback one, which network interfaces it makes the page reachable on. Messages call the
address ``scheduler`` and the host ``host``, or what :mod:`analysis.common.labels` says
(``run.py``: ``--scheduler``, ``--host``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import struct
import time
from urllib.parse import urlsplit

from analysis.common.labels import label
from sim.params import ParameterError

__all__ = ["exposure", "interfaces", "probe_scheduler", "scheduler_address", "serving_host"]

#: Largest first message a Dask scheduler sends (its handshake is well under a kilobyte).
MAX_HANDSHAKE_BYTES = 1 << 20
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*\.?$")
_EXAMPLE = "e.g. tcp://10.0.0.5:8786"


def _host_ok(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(host))


def scheduler_address(text: str) -> str:
    """A scheduler address checked and written out in full: ``tcp://HOST:PORT``."""
    raw = text.strip() if isinstance(text, str) else ""
    bad = f"{label('scheduler')} {text!r}"
    if not raw:
        raise ParameterError(f"{bad}: expected a Dask scheduler's address, {_EXAMPLE}")
    if "://" not in raw:
        raw = "tcp://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise ParameterError(f"{bad}: not an address of the form tcp://HOST:PORT ({_EXAMPLE})") from None
    if parts.scheme != "tcp":
        raise ParameterError(
            f"{bad}: coachsim connects to Dask schedulers over tcp:// ({_EXAMPLE}); for another protocol, "
            "pass your own distributed.Client to analysis.runs.executors.DaskExecutor(client=...)"
        )
    host = parts.hostname or ""
    if not host or not _host_ok(host) or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ParameterError(f"{bad}: not an address of the form tcp://HOST:PORT ({_EXAMPLE})")
    if port is None or not 1 <= port <= 65535:
        raise ParameterError(f"{bad}: needs a port from 1 to 65535 ({_EXAMPLE}; Dask's default is 8786)")
    shown = f"[{host}]" if ":" in host else host
    return f"tcp://{shown}:{port}"


def _recv_exactly(sock: socket.socket, n: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < n:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(min(n - len(data), 65536))
        if not chunk:
            raise ConnectionError("the connection was closed")
        data += chunk
    return bytes(data)


def probe_scheduler(address: str, timeout: float) -> None:
    """Check that a Dask scheduler answers at ``address`` within ``timeout`` seconds; raise ParameterError if not."""
    parts = urlsplit(address)
    where = f"{label('scheduler')} {address}"
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
            (length,) = struct.unpack("<Q", _recv_exactly(sock, 8, deadline))
            if not 0 < length <= MAX_HANDSHAKE_BYTES:
                raise ParameterError(
                    f"{where}: something answers there, but not as a Dask scheduler does; check the address and port"
                )
            _recv_exactly(sock, length, deadline)
    except TimeoutError:
        raise ParameterError(
            f"{where}: no Dask scheduler answered within {timeout:g} s (the host is silent or not reachable)"
        ) from None
    except OSError as exc:
        raise ParameterError(f"{where}: cannot connect to a Dask scheduler there ({exc.strerror or exc})") from None


def serving_host(text: str) -> str:
    """The host to serve on, checked: a non-empty IP address or host name."""
    host = text.strip() if isinstance(text, str) else ""
    if not host:
        raise ParameterError(
            f"{label('host')} '': expected an address to serve on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 "
            "(every network interface)"
        )
    if not _host_ok(host):
        raise ParameterError(f"{label('host')} {text!r}: not an IP address or a host name, e.g. 127.0.0.1")
    return host


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False
        return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def interfaces() -> list[str]:
    """This machine's network interfaces, with their IPv4 address where it can be read (Linux)."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except OSError:
        return []
    out = []
    for name in names:
        address = _ipv4(name)
        out.append(f"{name} {address}" if address else name)
    return out


def _ipv4(name: str) -> str:
    try:
        import fcntl  # here, not at the top: POSIX only; elsewhere the address is not looked up

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
        return socket.inet_ntoa(packed[20:24])
    except (ImportError, OSError):
        return ""


def exposure(host: str, port: int) -> str | None:
    """None for a loopback address; otherwise a warning naming who can reach the page."""
    if _is_loopback(host):
        return None
    wildcard = host in ("0.0.0.0", "::", "[::]")
    listing = ", ".join(interfaces()) or "unknown"
    where = "every network interface of this machine" if wildcard else f"{host}, which is not this machine only"
    return (
        f"{label('host')} {host} serves the dashboard on {where} (interfaces: {listing}): anyone who can reach port "
        f"{port} can use it; use 127.0.0.1 unless the network is one you trust"
    )
