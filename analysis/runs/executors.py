"""Executors: where every command's runs are computed, behind one interface.

An executor maps a function over tasks and yields each result as soon as it is ready, in
whatever order the tasks finish. Every command (run, compare, workshop, validate, calibrate,
sweep) runs its tasks on one, so each runs unchanged in this process, over local processes, on
a Dask cluster, or on any pool of the standard ``concurrent.futures`` interface:

- :class:`InProcessExecutor`: one task after another in this process (debugging, profiling);
- :class:`ProcessExecutor`: a pool of local processes (default: one per core);
- :class:`DaskExecutor`: a Dask ``distributed`` cluster, either one already running
  (``address="tcp://host:port"``) or a local one started for the job. Dask is optional:
  ``pip install "coachsim[distributed]"``;
- :class:`FuturesExecutor`: any ``concurrent.futures.Executor`` of the caller's: a plain
  ``ProcessPoolExecutor``, a Dask client's ``client.get_executor()``, mpi4py's
  ``MPIPoolExecutor``, Ray's. The pool stays the caller's: it is neither started nor shut down.

:func:`make_executor` builds one from the choices every command takes (``executor``,
``workers``, ``scheduler``), and the library functions (``replicate``, ``compare``,
``validate``, ``fit``, ``run_sweep``) take the same three; ``executor`` may be one of the
executors here or a ``concurrent.futures.Executor``, which is wrapped::

    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor() as pool:
        reps = replicate(load("baseline"), replications=8, executor=pool)

An executor given to a library function is the caller's and is left open, so one pool can
serve many calls; one the function built for itself is closed when it returns.

Every executor keeps at most ``max_pending`` tasks submitted at a time and pulls the next task
from the iterable only when one finishes, so neither the tasks nor their results pile up in
memory however long the job. Results do not depend on the executor: a task carries its own
seeds, so a run is bit for bit the same in this process, on a pool or on a cluster.

Local worker processes end with the command that started them: each asks the kernel for a
parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux; elsewhere a watchdog thread
that notices its parent has gone), so a command killed by any signal, ``kill -9`` included,
leaves no process behind. They ignore SIGINT, which is the parent's to handle: on an interrupt
the parent cancels what has not started and terminates the workers at once. At most
:data:`MAX_WORKERS_PER_CORE` workers a core are started. A caller's own pool
(:class:`FuturesExecutor`) is the caller's to stop: an interrupt cancels the tasks it has not
started, and the tasks running finish there.

A Dask worker that dies is handled by the Dask scheduler, which recomputes the tasks the worker
held on another worker; the client still receives one result per task. The sweep keys its rows
by (point, replication) and drops any row it already has, so a task computed twice is never
stored twice.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from analysis.common.labels import label
from analysis.runs.network import probe_scheduler, scheduler_address
from sim.params import ParameterError

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ExecutorChoice",
    "FuturesExecutor",
    "InProcessExecutor",
    "ProcessExecutor",
    "as_executor",
    "check_workers",
    "executor_for",
    "make_executor",
    "usable_cores",
]

T = TypeVar("T")
R = TypeVar("R")

#: Tasks kept submitted per unit of parallelism: enough to keep every worker busy while the
#: caller handles a result, few enough that memory and the work lost to a kill stay small.
PENDING_PER_WORKER = 2

INSTALL_HINT = 'pip install "coachsim[distributed]" (or pip install "dask[distributed]")'
#: Most local worker processes a core: more only compete for the same cores (and each holds a model).
MAX_WORKERS_PER_CORE = 4
#: ``prctl`` option that asks for a signal when the parent process dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Seconds between a watchdog's looks at its parent, where there is no parent-death signal.
WATCH_SECONDS = 0.5
#: Seconds an aborted pool's manager thread is given to finish.
ABORT_SECONDS = 10.0
#: Seconds to wait for a Dask scheduler when connecting.
CONNECT_TIMEOUT = 10.0


class Executor(ABC):
    """Computes tasks and yields their results as they complete."""

    #: A short name for messages and metadata.
    name: str = "executor"

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many tasks run at the same time."""

    @abstractmethod
    def map_unordered(self, func: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Apply ``func`` to every task; yield each result when it is ready, in any order."""

    def describe(self) -> str:
        """Where the tasks run, in words."""
        return f"{self.workers} {self.name} worker{'s' if self.workers != 1 else ''}"

    def start(self) -> None:  # noqa: B027  (an optional hook)
        """Get ready to run (start workers, connect); called before the first task. Optional."""

    def close(self) -> None:  # noqa: B027  (an optional hook)
        """Release processes, clusters or connections this executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Runs every task in this process, one after another, in order."""

    name = "in-process"

    @property
    def workers(self) -> int:
        """One: the calling process."""
        return 1

    def describe(self) -> str:
        """Where the tasks run, in words."""
        return "this process"

    def map_unordered(self, func: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Apply ``func`` to each task in turn."""
        for task in tasks:
            yield func(task)


def _start_worker(parent: int) -> None:
    """Pool-worker initializer: Ctrl-C is the parent's to handle, and the worker dies with its parent.

    SIGTERM and SIGHUP get their default action back (a forked worker inherits the parent's
    handlers, which turn them into an interrupt): the parent stops a worker with SIGTERM.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """End this process when process ``parent`` ends, however it ends (``kill -9`` included)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
        if armed:
            if os.getppid() != parent:  # the parent died before the signal was armed
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent,), name="coachsim-watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def check_workers(workers: int | None, origin: str | None = None) -> int | None:
    """``workers`` checked: a whole number from 1 to :data:`MAX_WORKERS_PER_CORE` times the cores.

    Messages name ``origin`` (default: ``workers``, as :mod:`analysis.common.labels` labels it).
    """
    if workers is None:
        return None
    origin = origin or label("workers")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"{origin} {workers!r}: expected a whole number of at least 1")
    cores = usable_cores()
    most = MAX_WORKERS_PER_CORE * cores
    if workers > most:
        raise ParameterError(
            f"{origin} {workers:,}: at most {most} on this machine ({MAX_WORKERS_PER_CORE} a core, {cores} "
            f"core{'s' if cores != 1 else ''}); more processes only compete for the same cores"
        )
    return workers


class ProcessExecutor(Executor):
    """A pool of local worker processes, started on first use and reused until closed.

    Args:
        workers: Number of processes (default: every core this process may use).
        max_pending: Tasks submitted at a time (default: twice the workers).
        start_method: ``multiprocessing`` start method. The default is ``fork`` on Linux: the
            workers inherit the parent's imported modules and start in milliseconds, where
            ``spawn`` (which Mesa sets as the default when imported) re-imports numpy, Mesa,
            the model and ``analysis`` in every worker, a second or more each. The pool is
            forked from :meth:`start` before the sweep opens its progress bar, and the workers
            run only the model. Elsewhere the platform's default (``spawn`` on macOS and
            Windows, where ``fork`` is unsafe or missing).
    """

    name = "local process"

    def __init__(self, workers: int | None = None, max_pending: int | None = None, start_method: str | None = None):
        self._workers = max(1, check_workers(workers) or usable_cores())
        self.max_pending = max_pending or PENDING_PER_WORKER * self._workers
        self.start_method = start_method or _default_start_method()
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        """The number of worker processes."""
        return self._workers

    def start(self) -> None:
        """Start the worker processes now (with ``fork``, all of them at the first task)."""
        self._get_pool().submit(int).result()

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=ctx, initializer=_start_worker, initargs=(os.getpid(),)
            )
        return self._pool

    def map_unordered(self, func: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Submit tasks to the pool, at most ``max_pending`` at a time; yield results as they finish."""
        try:
            yield from _bounded(self._get_pool(), func, tasks, self.max_pending)
        except BaseException:
            # Interrupted, or a task failed: what had not started is dropped; stop the workers
            # now rather than after the tasks in flight (their results would be discarded).
            self._abort()
            raise

    def _abort(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        # Taken before shutdown(), which drops the pool's references to its manager thread and
        # its result queue.
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(ABORT_SECONDS)
        # A worker stopped while it sent a result leaves half a message in the result pipe, and the
        # pool's manager thread waits for the rest: the write end this process holds too kept the
        # pipe open, so it waited for ever, and the interpreter's exit with it. With the workers
        # gone, closing that end lets the thread read the end of the pipe and stop.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.close()
        # Let the pool's manager thread see its workers gone and close its pipes now: left running,
        # it races the interpreter's exit handler for them ("handle is closed" on Python 3.11,
        # "Bad file descriptor" on 3.12).
        if manager is not None:
            manager.join(ABORT_SECONDS)

    def close(self) -> None:
        """Shut the pool down, waiting for its workers to exit."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _bounded(
    pool: concurrent.futures.Executor, func: Callable[[T], R], tasks: Iterable[T], max_pending: int
) -> Iterator[R]:
    """``func`` over ``tasks`` on ``pool``, at most ``max_pending`` submitted at a time, results as they finish.

    On an interrupt or a failed task the tasks not yet started are cancelled.
    """
    source = iter(tasks)
    pending: set[Future[R]] = set()
    finished = False
    try:
        while True:
            while not finished and len(pending) < max_pending:
                try:
                    task = next(source)
                except StopIteration:
                    finished = True
                    break
                pending.add(pool.submit(func, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise


class FuturesExecutor(Executor):
    """Any ``concurrent.futures.Executor`` as an executor: a plain pool, a Dask client's, MPI's, Ray's.

    Args:
        pool: The pool. It stays the caller's: this executor neither starts nor shuts it down.
        workers: Tasks the pool runs at the same time, which sizes ``max_pending`` (default:
            the pool's own count where it gives one, as the standard pools and mpi4py's do,
            else the cores of this machine).
        max_pending: Tasks submitted at a time (default: twice the workers).

    An interrupt or a failed task cancels the tasks not yet started; the tasks running finish
    in the pool. Tasks and results cross to the pool by pickle, as they do to a process pool.
    """

    name = "pool"

    def __init__(self, pool: concurrent.futures.Executor, workers: int | None = None, max_pending: int | None = None):
        if not isinstance(pool, concurrent.futures.Executor):
            raise TypeError(f"{pool!r} is not a concurrent.futures.Executor")
        self.pool = pool
        self._workers = check_workers(workers) or _pool_workers(pool) or usable_cores()
        self.max_pending = max_pending or PENDING_PER_WORKER * self._workers

    @property
    def workers(self) -> int:
        """Tasks the pool runs at the same time (as given, or as the pool says)."""
        return self._workers

    def describe(self) -> str:
        """Where the tasks run, in words."""
        return f"{type(self.pool).__name__} ({self._workers} worker{'s' if self._workers != 1 else ''})"

    def map_unordered(self, func: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Submit tasks to the pool, at most ``max_pending`` at a time; yield results as they finish."""
        return _bounded(self.pool, func, tasks, self.max_pending)


def _pool_workers(pool: concurrent.futures.Executor) -> int | None:
    """The workers a pool says it has: the standard pools' ``_max_workers``, mpi4py's ``num_workers``."""
    for attr in ("_max_workers", "num_workers"):
        with contextlib.suppress(Exception):  # a property that needs a live pool
            n = getattr(pool, attr, None)
            if isinstance(n, int) and not isinstance(n, bool) and n >= 1:
                return n
    return None


def _default_start_method() -> str | None:
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return None


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; else every core), at least 1."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _import_distributed() -> Any:
    try:
        import distributed  # here, not at the top: an optional extra, needed only on a Dask cluster
    except ImportError:
        raise ParameterError(
            f"running on Dask needs dask.distributed, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


class DaskExecutor(Executor):
    """Runs tasks on a Dask ``distributed`` cluster.

    Args:
        address: Scheduler address of a running cluster, e.g. ``tcp://10.0.0.5:8786``. Without
            it (and without ``client``) a local cluster of ``workers`` single-threaded worker
            processes is started for this executor and closed with it.
        client: An existing ``distributed.Client`` to use (left open on close).
        workers: Worker processes of the local cluster started when there is no address.
        max_pending: Tasks submitted at a time (default: twice the cluster's threads).
        timeout: Seconds to wait for the scheduler when connecting.

    The address is checked when the executor is made; the connection is made by :meth:`start`,
    after :func:`analysis.runs.network.probe_scheduler` has seen a Dask scheduler answer within
    ``timeout``. A worker lost mid-task is the scheduler's to handle: it reruns the task elsewhere
    (up to its ``allowed-failures`` setting, after which the task fails with ``KilledWorker``).
    """

    name = "Dask"

    def __init__(
        self,
        address: str | None = None,
        *,
        client: Any = None,
        workers: int | None = None,
        max_pending: int | None = None,
        timeout: float = CONNECT_TIMEOUT,
    ):

        self._distributed = _import_distributed()
        self._own_client = client is None
        self._cluster = None
        self._local_workers = check_workers(workers)
        self._timeout = timeout
        self.client = client
        self.address = (
            scheduler_address(address)
            if address is not None
            else getattr(getattr(client, "scheduler", None), "address", "")
        )
        self._max_pending = max_pending

    def start(self) -> None:
        """Connect to the scheduler (or start the local cluster); a scheduler that does not answer is refused."""
        if self.client is not None:
            return
        distributed = self._distributed
        if self.address:
            probe_scheduler(self.address, self._timeout)
            try:
                self.client = distributed.Client(self.address, timeout=self._timeout)
            except (OSError, TimeoutError) as exc:
                raise ParameterError(
                    f"{label('scheduler')} {self.address}: cannot connect to a Dask scheduler there: {exc}"
                ) from None
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=self._local_workers or usable_cores(), threads_per_worker=1, processes=True
            )
            self.client = distributed.Client(self._cluster)
            self.address = getattr(self.client.scheduler, "address", "")

    @property
    def workers(self) -> int:
        """Threads across the cluster's workers right now (at least 1)."""
        if self.client is None:
            return self._local_workers or 1
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # a cluster still starting up, or gone
            return 1

    def describe(self) -> str:
        """Where the tasks run, in words."""
        return f"Dask at {self.address} ({self.workers} worker threads)"

    def map_unordered(self, func: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Submit tasks to the cluster, at most ``max_pending`` at a time; yield results as they finish."""
        self.start()
        dist = self._distributed
        limit = self._max_pending or PENDING_PER_WORKER * self.workers
        batch = uuid.uuid4().hex[:12]
        source = iter(tasks)
        count = 0

        def submit() -> Any | None:
            nonlocal count
            try:
                task = next(source)
            except StopIteration:
                return None
            count += 1
            # A unique key per task: pure=False semantics, and never a stale result of
            # another sweep that happened to use the same key on a shared cluster.
            return self.client.submit(func, task, key=f"coachsim-{batch}-{count}", pure=False)

        futures = [f for f in (submit() for _ in range(limit)) if f is not None]
        pending = set(futures)
        ready = dist.as_completed(futures)
        try:
            for fut in ready:
                pending.discard(fut)
                result = fut.result()
                fut.release()
                nxt = submit()
                if nxt is not None:
                    pending.add(nxt)
                    ready.add(nxt)
                yield result
        finally:
            # On success nothing is left; on an error or interrupt cancel what is queued.
            if pending:
                self.client.cancel(list(pending))

    def close(self) -> None:
        """Close the client and the local cluster if this executor started them."""
        if self._own_client and self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


#: The executors :func:`make_executor` builds by name.
EXECUTORS = ("inprocess", "process", "dask")

#: What :func:`make_executor` takes as its executor: one of ours or any concurrent.futures pool
#: (used as it is), the name of one to build (:data:`EXECUTORS`), or ``None`` for the default.
ExecutorChoice = Executor | concurrent.futures.Executor | str | None


def as_executor(executor: Executor | concurrent.futures.Executor) -> Executor:
    """``executor`` as an :class:`Executor`: ours as it is, a ``concurrent.futures`` pool wrapped."""
    if isinstance(executor, Executor):
        return executor
    if isinstance(executor, concurrent.futures.Executor):
        return FuturesExecutor(executor)
    raise TypeError(f"{executor!r} is neither an analysis.runs.executors.Executor nor a concurrent.futures.Executor")


def make_executor(
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    tasks: int | None = None,
) -> Executor:
    """The executor for these choices: the one function every command builds its executor with.

    Args:
        executor: An :class:`Executor` or a ``concurrent.futures.Executor``, used as it is (and
            wrapped, :class:`FuturesExecutor`); or ``"process"`` (local processes, the
            default), ``"inprocess"`` or ``"dask"`` (a local Dask cluster).
        workers: Local processes (default: every core). One worker without a named executor
            runs in this process, which is what one worker means and saves starting a pool.
        scheduler: The address of a running Dask scheduler: run there.
        tasks: The number of tasks, when known: no more workers are started than there are
            tasks, and a single task runs in this process.

    Nothing is started here (see :meth:`Executor.start`): every choice is checked, and the
    messages name them as :mod:`analysis.common.labels` says (``run.py``: its flags).
    """
    check_workers(workers)
    if executor is not None and not isinstance(executor, str):
        given = [label(name) for name, value in (("workers", workers), ("scheduler", scheduler)) if value is not None]
        if given:
            raise ParameterError(
                f"{label('executor')} and {' and '.join(given)} do not go together: a given executor runs as it is"
            )
        return as_executor(executor)
    if scheduler is not None:
        if workers is not None:
            raise ParameterError(
                f"{label('workers')} and {label('scheduler')} do not go together: the Dask cluster decides its workers"
            )
        if executor not in (None, "dask"):
            raise ParameterError(
                f"{label('executor')} {executor!r} and {label('scheduler')} do not go together: a scheduler is Dask's"
            )
        return DaskExecutor(scheduler)
    if tasks is not None and executor in (None, "process"):
        workers = max(1, min(workers or usable_cores(), tasks))
    kind = executor or ("inprocess" if workers == 1 else "process")
    if kind == "inprocess":
        return InProcessExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers=workers)
    raise ParameterError(f"{label('executor')} {kind!r} is not known; expected one of {', '.join(EXECUTORS)}")


@contextlib.contextmanager
def executor_for(
    executor: ExecutorChoice = None,
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    tasks: int | None = None,
) -> Iterator[Executor]:
    """:func:`make_executor`'s executor for a block; closed after it when it was built here.

    An executor given (one of ours, or a ``concurrent.futures`` pool) is the caller's and is
    left open, so that one pool serves many calls.
    """
    ex = make_executor(executor, workers, scheduler, tasks=tasks)
    try:
        yield ex
    finally:
        if ex is not executor:  # a wrapped pool's close leaves the pool open
            ex.close()
