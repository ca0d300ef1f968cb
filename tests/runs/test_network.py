"""Network addresses: a Dask scheduler's, checked and connected with a bounded wait; the dashboard's host.

Fault injection: a peer that accepts the connection and says nothing, one that answers with
another protocol's greeting (whose first bytes read as a length of exabytes), one that closes
at once, and nothing listening at all. Each attempt runs in a thread with a deadline, so that a
regression fails the test instead of hanging it.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analysis.common.labels import labelled
from analysis.runs.executors import DaskExecutor
from sim.params import ParameterError
from tests.conftest import popen_cli
from tests.test_cli import assert_clean_failure

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="the Dask tests need coachsim[distributed]"
)

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@needs_dask
@pytest.mark.parametrize(
    "address",
    ["foo", "tcp://", "tcp://:8786", "tcp://host", "tcp://host:0", "tcp://host:99999", "http://host:8786", "", " "],
)
def test_a_malformed_scheduler_address_is_a_parameter_error(address: str):
    with pytest.raises(ParameterError, match=r"^scheduler "):  # the library names its parameter
        DaskExecutor(address)
    with labelled({"scheduler": "--scheduler"}), pytest.raises(ParameterError, match=r"^--scheduler "):
        DaskExecutor(address)  # and run.py's flag where it says so


def test_a_scheduler_address_is_written_out_in_full():
    from analysis.runs.network import scheduler_address

    assert scheduler_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert scheduler_address(" tcp://[::1]:8786 ") == "tcp://[::1]:8786"


@pytest.fixture
def peer() -> Iterator[Callable[[bytes | None], str]]:
    """``peer(greeting)``: a TCP server on localhost that sends ``greeting`` (None: nothing) and holds on."""
    servers: list[socket.socket] = []
    held: list[socket.socket] = []

    def start(greeting: bytes | None) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                held.append(conn)
                if greeting:
                    conn.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{server.getsockname()[1]}"

    yield start
    for s in held + servers:
        s.close()


def connect_within(address: str, seconds: float) -> BaseException | None:
    """Start a DaskExecutor on ``address`` (1 s timeout) in a thread; what it raised, failing if it hangs."""
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            ex = DaskExecutor(address, timeout=1)
            ex.start()
            ex.close()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert outcome, f"connecting to {address} hung for {time.monotonic() - started:.0f} s"
    return outcome[0]


@needs_dask
def test_a_silent_peer_is_refused_within_the_timeout(peer):
    exc = connect_within(peer(None), 20)
    assert isinstance(exc, ParameterError) and "no Dask scheduler answered within 1 s" in str(exc)


@needs_dask
def test_a_peer_answering_garbage_is_refused_without_a_huge_allocation(peer):
    exc = connect_within(peer(b"SSH-2.0-OpenSSH_9.6p1 Debian\r\n"), 20)
    assert isinstance(exc, ParameterError) and "not as a Dask scheduler does" in str(exc), exc


@needs_dask
def test_nothing_listening_is_refused_at_once(run_cli: RunCli, tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free again once closed
    out = tmp_path / "s"
    done = run_cli(
        "sweep", "baseline", "--vary", "manager.quota_share=0,1", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", out
    )
    assert_clean_failure(done, "--scheduler", "cannot connect", "refused")
    assert not out.exists()


# ----------------------------------------------------------------------------- the dashboard's host
def test_an_empty_host_is_refused(run_cli: RunCli):
    assert_clean_failure(run_cli("dashboard", "--host", "", timeout=60), "--host ''", "127.0.0.1")
    from analysis.runs.network import serving_host

    with pytest.raises(ParameterError, match="not an IP address or a host name"):
        serving_host("0.0.0.0; rm -rf /")


def test_a_host_beyond_loopback_is_warned_about_naming_the_interfaces():
    from analysis.runs.network import exposure

    assert exposure("127.0.0.1", 8765) is None and exposure("localhost", 8765) is None and exposure("::1", 1) is None
    warning = exposure("0.0.0.0", 8765)
    assert warning is not None and "every network interface" in warning and "port 8765" in warning
    assert "lo" in warning.split("interfaces: ", 1)[1]  # the loopback interface at least is named


def test_the_dashboard_warns_before_it_serves_on_every_interface():
    proc = popen_cli("dashboard", "--host", "0.0.0.0", "--port", "0", stdout=subprocess.DEVNULL)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stderr.readline()), daemon=True)  # type: ignore[union-attr]
    try:
        reader.start()
        reader.join(60)  # the warning comes before the server starts; without it the reader would wait
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    assert lines, "nothing on stderr within 60 s"
    first = lines[0]
    assert first.startswith("coachsim: warning: --host 0.0.0.0 serves the dashboard on every network interface")
