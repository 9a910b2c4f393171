"""A running dispatcher writes SQLite's log back into the file in the background; connectors close.

Otherwise a send or a delivery pays for the checkpoint and its sync: the latency
tail. Without a dispatcher, a connector starts a checkpoint on a thread of its own
every so many commits (never inside a COMMIT, which may run on the event loop).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
import warnings
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.storage import sqlite, sqlite_checkpoint, sqlite_hop
from swarmbus.storage.sqlite_checkpoint import BackgroundCheckpoint


def _rows_in_main_file(path: Path, scratch: Path) -> int:
    """Rows of `notes` in the database file alone, without its write-ahead log (-1: the
    copy caught a checkpoint half-way, ask again)."""
    copy = scratch / "main-file-only.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as db:
        try:
            return db.execute("SELECT count(*) FROM notes").fetchone()[0]
        except sqlite3.OperationalError:  # the table itself is still only in the log
            return 0
        except sqlite3.DatabaseError:  # copied half-way through a checkpoint's writes
            return -1


async def test_the_log_is_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "bus.db"
    async with await sqlite.connect(path) as writer:
        await sqlite.enable_wal(writer)
        await writer.execute("CREATE TABLE notes (body TEXT)")
        await writer.execute_many(
            "INSERT INTO notes VALUES (:body)", [{"body": f"note {n}"} for n in range(50)]
        )
        assert await sqlite.pragma(writer, "wal_autocheckpoint") == sqlite.AUTOCHECKPOINT_PAGES
        # a log started over is cut back to its limit, whatever it grew to before
        assert await sqlite.pragma(writer, "journal_size_limit") == 64 * 2**20
        assert _rows_in_main_file(path, tmp_path) == 0  # a small log is not checkpointed

        async with anyio.create_task_group() as tg:
            tg.start_soon(sqlite.keep_log_short, str(path), 0.05)
            with anyio.fail_after(5):
                while _rows_in_main_file(path, tmp_path) != 50:
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()


async def test_without_a_dispatcher_the_writes_checkpoint_every_so_many_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own checkpoint is off (it would run inside a COMMIT, on the event loop);
    after every CHECKPOINT_COMMITS commits the connector starts one beside the writes,
    on a connection and a thread of its own, and the writer does not wait for it."""
    from swarmbus.storage import sqlite_hop

    monkeypatch.setattr(sqlite_hop, "CHECKPOINT_COMMITS", 10)
    path = tmp_path / "bus.db"
    async with await sqlite.connect(path) as writer:
        await sqlite.enable_wal(writer)
        assert await sqlite.pragma(writer, "wal_autocheckpoint") == 0
        await writer.execute("CREATE TABLE notes (body TEXT)")  # changes no rows: not counted
        for n in range(9):
            await writer.execute("INSERT INTO notes VALUES (:body)", {"body": f"note {n}"})
        assert _rows_in_main_file(path, tmp_path) == 0  # nine commits: all in the log
        await writer.execute("INSERT INTO notes VALUES ('the tenth commit')")
        with anyio.fail_after(10):
            while _rows_in_main_file(path, tmp_path) != 10:
                await anyio.sleep(0.01)


async def test_a_writer_does_not_wait_for_the_checkpoint_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint is held until every write is done: had a write waited for it, the
    writes would not finish (fail_after); a request while it runs starts none."""
    monkeypatch.setattr(sqlite_hop, "CHECKPOINT_COMMITS", 2)
    started, release, runs = threading.Event(), threading.Event(), []
    checkpoint = BackgroundCheckpoint._checkpoint

    def held(self: BackgroundCheckpoint) -> None:
        runs.append(1)
        started.set()
        release.wait(10)
        checkpoint(self)

    monkeypatch.setattr(BackgroundCheckpoint, "_checkpoint", held)
    path = tmp_path / "bus.db"
    async with await sqlite.connect(path) as writer:
        await sqlite.enable_wal(writer)
        await writer.execute("CREATE TABLE notes (body TEXT)")
        with anyio.fail_after(5):
            for n in range(6):  # the second commit starts one; the fourth and sixth wait
                await writer.execute("INSERT INTO notes VALUES (:body)", {"body": f"note {n}"})
            assert await anyio.to_thread.run_sync(started.wait, 5)
        assert runs == [1]
        release.set()  # closing the connector then waits for it


async def test_a_dispatcher_runs_the_checkpoints(bus: Bus, tmp_path: Path) -> None:
    dispatcher = Dispatcher(bus, {"memory": MemoryTransport()}, DispatcherOptions())
    async with anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await bus.send("Agent-1", "Agent-2", "written back into the file within a second")
        with anyio.fail_after(10):
            while not _message_in_main_file(Path(bus.db.connector.location), tmp_path):
                await anyio.sleep(0.1)
        dispatcher.stop()


async def test_the_upkeep_indexes_new_messages_for_search(bus: Bus) -> None:
    """`send` leaves indexing to whoever comes next: here the dispatcher's upkeep."""
    from swarmbus.storage.search import SearchRepository

    search = SearchRepository(bus.db.connector)
    sent = [await bus.send("Agent-1", "Agent-2", f"note {n}") for n in range(3)]
    assert (await search.index_size())["documents"] == 0
    async with anyio.create_task_group() as tg:
        tg.start_soon(sqlite.keep_log_short, bus.db.connector.location, 0.05)
        with anyio.fail_after(5):
            while (await search.index_size())["documents"] < len(sent):
                await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    assert await search.catch_up() == 0


async def test_indexing_for_search_never_runs_on_the_event_loop(bus: Bus) -> None:
    """A batch of the search index takes milliseconds: it is not a brief write, so even
    a connector that runs brief writes on the loop sends it to its own thread."""
    from swarmbus.storage.search import SearchRepository

    for n in range(3):
        await bus.send("Agent-1", "Agent-2", f"note {n}")
    threads: list[str] = []

    def traced(statement: str) -> None:
        if "INSERT INTO agent_messages_search" in statement:
            threads.append(threading.current_thread().name)

    raw = bus.db.connector._conn._conn  # type: ignore[attr-defined]
    assert bus.db.connector.run_here  # type: ignore[attr-defined]
    raw.set_trace_callback(traced)
    try:
        assert await SearchRepository(bus.db.connector).catch_up() == 3
    finally:
        raw.set_trace_callback(None)
    assert threads
    assert threading.main_thread().name not in threads


async def test_the_upkeep_never_holds_the_write_lock_while_the_loop_is_busy(bus: Bus) -> None:
    """Indexing is one hop to the upkeep connection's thread per batch: the write lock is
    held for the statement only, not until a busy event loop gets back to a COMMIT (a
    dispatcher's claims waited behind it). Another connection watches the lock while a
    task keeps the loop busy 100 ms at a time."""
    from swarmbus.storage.search import SearchRepository

    for n in range(50):
        await bus.send("Agent-1", "Agent-2", f"note {n}")
    search = SearchRepository(bus.db.connector)
    longest, watching = [0.0], threading.Event()

    def watch() -> None:
        probe = sqlite3.connect(bus.db.connector.location, timeout=0, isolation_level=None)
        since = None
        while watching.is_set():
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                since = None
            except sqlite3.OperationalError:  # locked
                since = since or time.monotonic()
                longest[0] = max(longest[0], time.monotonic() - since)
            time.sleep(0.0005)
        probe.close()

    async def hog() -> None:
        while True:
            time.sleep(0.1)  # noqa: ASYNC251 (the point: a task that holds the loop)
            await anyio.lowlevel.checkpoint()

    watching.set()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(sqlite.keep_log_short, bus.db.connector.location, 0.01)
            tg.start_soon(hog)
            with anyio.fail_after(10):
                while (await search.index_size())["documents"] < 50:
                    await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
    finally:
        watching.clear()
        watcher.join()
    assert longest[0] < 0.05


def _message_in_main_file(path: Path, scratch: Path) -> bool:
    copy = scratch / "main-file-only.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as db:
        try:
            return db.execute("SELECT count(*) FROM agent_messages").fetchone()[0] == 1
        except sqlite3.OperationalError:  # the schema itself is still only in the log
            return False
        except sqlite3.DatabaseError:  # copied half-way through a checkpoint's writes
            return False


def _logged_writer(path: Path) -> sqlite3.Connection:
    """A plain connection writing `notes` through a log only the test checkpoints."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE notes (body BLOB)")
    return writer


def test_the_log_starts_over_though_reads_and_writes_never_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each round a reader holds a snapshot while the writer commits, so the PASSIVE
    checkpoint cannot copy the newest frames, and the writer always finds some left:
    a log only ever checkpointed PASSIVE grows by every round's frames (forever,
    under a steady load). Past the limit, a RESTART waits for the reader to leave."""
    monkeypatch.setattr(sqlite_checkpoint, "LOG_LIMIT_FRAMES", 40)
    path = tmp_path / "steady.db"
    writer = _logged_writer(path)
    checkpointer = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    for _ in range(30):
        reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM notes").fetchall()  # its snapshot, held
        for _ in range(10):
            writer.execute("INSERT INTO notes VALUES (zeroblob(4000))")
        threading.Timer(0.01, reader.close).start()  # a short read ends soon after
        sqlite_checkpoint.checkpoint(checkpointer)
    log_pages = (path.parent / "steady.db-wal").stat().st_size // 4096
    assert log_pages < 100  # 30 rounds of 10 commits: 600 pages and more if it never restarted
    assert writer.execute("SELECT count(*) FROM notes").fetchone() == (300,)


def test_a_restart_a_long_read_made_give_up_waits_before_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A RESTART holds every writer back while it waits for readers: a reader that
    stays (a backup) costs writers RESTART_WAIT_MS once per RESTART_PAUSE, not at
    every checkpoint."""
    monkeypatch.setattr(sqlite_checkpoint, "LOG_LIMIT_FRAMES", 10)
    monkeypatch.setattr(sqlite_checkpoint, "RESTART_PAUSE", 0.3)
    tried: list[tuple[bool, bool]] = []  # (a RESTART allowed, it did not give up)
    original = sqlite_checkpoint.checkpoint

    def noted(conn: sqlite3.Connection, restart: bool = True) -> bool:
        tried.append((restart, done := original(conn, restart)))
        return done

    monkeypatch.setattr(sqlite_checkpoint, "checkpoint", noted)
    path = tmp_path / "backed-up.db"
    writer = _logged_writer(path)
    backup = sqlite3.connect(path, isolation_level=None)
    backup.execute("BEGIN")
    backup.execute("SELECT count(*) FROM notes").fetchall()  # a long read, held
    for _ in range(20):
        writer.execute("INSERT INTO notes VALUES (zeroblob(4000))")
    checkpoints = BackgroundCheckpoint(str(path))
    try:
        checkpoints.now()
        checkpoints.now()
        backup.close()
        time.sleep(0.35)  # past the pause
        checkpoints.now()
    finally:
        checkpoints.close()
    assert tried == [(True, False), (False, True), (True, True)]


async def test_a_connector_never_closed_is_reported(tmp_path: Path) -> None:
    connector = await sqlite.connect(tmp_path / "left-open.db")
    with pytest.warns(ResourceWarning, match="left-open.db was not closed"):
        connector.__del__()
    await connector.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        connector.__del__()  # closed: nothing to report


async def test_every_connector_of_a_file_shares_one_checkpoint_thread(
    bus: Bus, tmp_path: Path
) -> None:
    """A dispatcher opens two connectors (its own and its upkeep's), and its upkeep ran
    checkpoints of its own: three connections and three threads, each thread with a
    malloc arena of its own. One serves them all, and goes with the last of them."""
    location = bus.db.connector.location
    dispatcher = Dispatcher(bus, {"memory": MemoryTransport()}, DispatcherOptions())
    async with anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await bus.send("Agent-1", "Agent-2", "written back by the one checkpoint thread")
        with anyio.fail_after(10):
            while not _message_in_main_file(Path(location), tmp_path):
                await anyio.sleep(0.1)
        names = [t.name for t in threading.enumerate() if t.name.startswith("swarmbus-checkpoint")]
        assert len(names) == 1, names
        dispatcher.stop()
    other = await sqlite.connect(location)
    assert other._checkpoints is bus.db.connector._checkpoints
    await other.close()
    await other.close()  # a second close releases nothing twice
    await bus.send("Agent-1", "Agent-2", "the bus's own connector checkpoints as before")
    assert bus.db.connector._checkpoints is not None
    await anyio.to_thread.run_sync(bus.db.connector._checkpoints.now)  # still open for bus
    key = str(await anyio.Path(location).resolve())
    assert key in sqlite_checkpoint._shared
    await bus.db.close()
    assert key not in sqlite_checkpoint._shared


def test_a_forked_child_gets_checkpoints_of_its_own(tmp_path: Path) -> None:
    """A child forked from a process with a checkpoint thread has no such thread: it
    must not be handed the parent's (its checkpoints would wait forever)."""
    path = str(tmp_path / "forked.db")
    parent = sqlite_checkpoint.shared(path)
    try:
        pid = os.fork()
        if pid == 0:  # the child: a checkpoint of its own runs, and returns
            code = 0 if sqlite_checkpoint.shared(path) is not parent else 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        sqlite_checkpoint.release(parent)


def test_releasing_checkpoints_a_child_inherited_leaves_its_own_alone(tmp_path: Path) -> None:
    """After a fork the child's registry is empty: the checkpoints it inherited are closed
    when released, and never count down the ones it opened itself."""
    path = str(tmp_path / "inherited.db")
    inherited = sqlite_checkpoint.shared(path)
    sqlite_checkpoint._shared.clear()  # what the fork hook does in the child
    own = sqlite_checkpoint.shared(path)
    try:
        sqlite_checkpoint.release(inherited)
        assert sqlite_checkpoint.shared(path) is own  # still registered, now twice
        sqlite_checkpoint.release(own)
    finally:
        sqlite_checkpoint.release(own)
    assert os.path.realpath(path) not in sqlite_checkpoint._shared
