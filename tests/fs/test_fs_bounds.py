"""Bounded memory: what users can make the daemon hold (.events readers, scratch files)
is capped per file and in total by its memory budget (CTRFS_MEMORY_BUDGET, bytes, in
tests), and what goes past it is refused with ENOSPC (EMFILE, EFBIG) and a log line."""
import errno
import os
import re
import resource
import time

import pytest

from fstest import SLOW, name_of, wait_until

MiB = 1 << 20


def slack(m):
    """How much more a daemon built with AddressSanitizer holds (its quarantine keeps
    freed memory, its allocator pads): bounds are multiplied by it."""
    if SLOW > 1:
        return 4  # valgrind's own allocator and shadow memory
    return 3 if b"AddressSanitizer" in m.exe.read_bytes() else 1


def rss(m):
    """The daemon's resident memory, in bytes."""
    with open(f"/proc/{m.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def many_fds():
    """Room for a few thousand open files in this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 8192)
    if want < 4200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is too low")
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def budget(m, total):
    m.env["CTRFS_MEMORY_BUDGET"] = str(total)


def settle(m):
    """Waits until the daemon has handled what the kernel sends after close() (RELEASE,
    asynchronously): until its CPU time stays still. Thousands of RELEASEs still queued
    at unmount make the kernel abort the connection and the daemon exit 1 (a known
    issue of the unmount, not of what these tests check)."""
    def cpu():
        with open(f"/proc/{m.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    last, still, end = cpu(), 0, time.monotonic() + 20
    while still < 3 and time.monotonic() < end:
        time.sleep(0.1)
        now = cpu()
        still = still + 1 if now == last else 0
        last = now


def close_all(m, fds):
    for fd in fds:
        os.close(fd)
    settle(m)


def open_once_released(path):
    """Opens path once the daemon has handled the RELEASE of a file just closed (the
    kernel sends it after close() returned): until then the room it frees is not free."""
    def attempt():
        try:
            return [os.open(path, os.O_RDONLY)]  # a list: fd 0 is an fd too
        except OSError as e:
            if e.errno not in (errno.EMFILE, errno.ENOSPC):
                raise
            return None
    return wait_until(attempt, timeout=5 * SLOW, what=f"room to open {path}")[0]


def open_events(m, n):
    fds = []
    try:
        for _ in range(n):
            fds.append(os.open(m.path(".events"), os.O_RDONLY))
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return fds


# ---- .events ----

def test_many_events_readers_reading_one_byte_hold_little(mnt, many_fds):
    # 2000 readers, each waiting on events worth more than 64 KiB (the read-ahead of
    # old), each reading one byte: what they hold must stay far below 2000 x 64 KiB
    fds = open_events(mnt, 2000)
    try:
        mnt.ok("for i in $(seq 60); do printf '%02000d' $i > default/c1/labels/k$i; done")
        before = rss(mnt)
        for fd in fds:
            assert len(os.read(fd, 1)) == 1
        grown = rss(mnt) - before
    finally:
        close_all(mnt, fds)
    # one line each (about 2 KB here): ~4 MB; it was over 128 MB
    assert grown < 24 * MiB * slack(mnt), f"the daemon grew by {grown >> 20} MiB"


def test_events_readers_past_the_cap_are_refused_with_emfile(mnt, many_fds):
    mnt.expect(r"^ctrfs: refused open /\.events: 4096 readers already, the most one mount "
               r"serves \(EMFILE\)$")
    fds = open_events(mnt, 4096)
    try:
        with pytest.raises(OSError) as e:
            os.close(os.open(mnt.path(".events"), os.O_RDONLY))
        assert e.value.errno == errno.EMFILE
        os.close(fds.pop())
        fds.append(open_once_released(mnt.path(".events")))  # room again
    finally:
        close_all(mnt, fds)


def test_events_readers_past_the_budget_are_refused_with_enospc(store_only):
    m = store_only
    budget(m, 64 << 10)  # 16 readers' reserve
    m.expect(r"^ctrfs: refused open /\.events: the daemon's memory budget for file "
             r"content \(64 KiB\) is used up \(ENOSPC\)$")
    m.start()
    fds = open_events(m, 16)
    try:
        with pytest.raises(OSError) as e:
            os.open(m.path(".events"), os.O_RDONLY)
        assert e.value.errno == errno.ENOSPC
        os.close(fds.pop())
        fds.append(open_once_released(m.path(".events")))  # given back at close
    finally:
        for fd in fds:
            os.close(fd)


def test_an_events_reader_still_reads_every_line_one_byte_at_a_time(mnt):
    fd = os.open(mnt.path(".events"), os.O_RDONLY)
    try:
        mnt.ok("echo a > default/c1/labels/x && echo b > default/c1/labels/y")
        got = b""
        while got.count(b"\n") < 2:
            got += os.read(fd, 1)
    finally:
        os.close(fd)
    lines = got.decode().splitlines()
    assert '"x":"a"' in lines[0] and '"y":"b"' in lines[1]


# ---- scratch files ----

def test_scratch_files_stop_at_the_budget_with_enospc(store_only):
    m = store_only
    budget(m, 16 * MiB)
    m.expect(r"^ctrfs: refused write to a scratch file: the daemon's memory budget for "
             r"file content \(16 MiB\) is used up \(ENOSPC\)$")
    m.start()
    base = rss(m)
    chunk = b"x" * MiB
    written, failed = [], None
    for i in range(12):  # 48 MiB wanted
        path = m.path(f"default/c1/scratch{i}")
        try:
            with open(path, "wb") as f:
                for _ in range(4):
                    f.write(chunk)
                    f.flush()
            written.append(path)
        except OSError as e:
            failed = e
            break
    assert failed is not None and failed.errno == errno.ENOSPC, failed
    assert len(written) == 4  # 4 x 4 MiB: the whole budget
    assert rss(m) - base < 24 * MiB * slack(m)
    # the daemon is alive and serves; removing a file gives its memory back
    os.unlink(written.pop())
    assert m.text("default/c1/image") == "docker.io/library/nginx:1.25\n"
    with open(m.path("default/c1/again"), "wb") as f:
        f.write(chunk * 4)
    assert os.path.getsize(m.path("default/c1/again")) == 4 * MiB


def test_a_truncated_scratch_file_gives_its_memory_back(store_only):
    m = store_only
    budget(m, 8 * MiB)
    m.start()
    for _ in range(4):  # 4 x 8 MiB in turn: each shrink gives back what it took
        with open(m.path("default/c1/big"), "r+b" if os.path.exists(
                m.path("default/c1/big")) else "wb") as f:
            f.write(b"y" * (8 * MiB))
            f.flush()
            f.truncate(0)
    assert os.path.getsize(m.path("default/c1/big")) == 0
    os.truncate(m.path("default/c1/big"), 8 * MiB)  # the budget is whole again


def test_growing_a_scratch_file_past_the_budget_by_truncate_fails_with_enospc(store_only):
    m = store_only
    budget(m, 4 * MiB)
    m.expect(r"^ctrfs: refused truncate of a scratch file: the daemon's memory budget for "
             r"file content \(4 MiB\) is used up \(ENOSPC\)$")
    m.start()
    m.ok("echo x > default/c1/f")
    with pytest.raises(OSError) as e:
        os.truncate(m.path("default/c1/f"), 4 * MiB + 1)
    assert e.value.errno == errno.ENOSPC
    assert m.text("default/c1/f") == "x\n"


def test_one_scratch_file_past_64_mib_fails_with_efbig(mnt):
    mnt.expect(r"^ctrfs: refused truncate of a scratch file: a file kept in memory holds at "
               r"most 64 MiB \(EFBIG\)$")
    mnt.ok("echo x > default/c1/f")
    with pytest.raises(OSError) as e:
        os.truncate(mnt.path("default/c1/f"), 64 * MiB + 1)
    assert e.value.errno == errno.EFBIG


def test_a_memory_budget_that_is_not_a_number_stops_the_daemon(store_only, tmp_path):
    m = store_only
    budget(m, "lots")
    with pytest.raises(AssertionError, match="CTRFS_MEMORY_BUDGET=lots: not a number"):
        m.start()
    m.proc = None


# ---- names longer than FUSE's 1024 bytes ----

def long_name(key: bytes) -> bytes:
    """The file name ctrfs shows for a key whose name would pass 1024 bytes (ctrfs(8),
    NAMES): the first bytes of its name (not cut inside a %XX), "%%" and 16 hex digits."""
    name = name_of(key)
    n = 1024 - 18
    if name[n - 1:n] == b"%":
        n -= 1
    elif name[n - 2:n - 1] == b"%":
        n -= 2
    return name[:n]


def test_keys_with_names_over_1024_bytes_are_listed_read_and_removed(mnt):
    long_a = "a" * 1500
    long_pct = "%" * 400  # 400 bytes, a 1200-byte name
    mnt.ctl("c", "label", "c1", f"{long_a}=v", f"{long_pct}=w")
    names = sorted(os.listdir(os.fsencode(mnt.path("default/c1/labels"))))
    shown = [n for n in names if len(n) > 100]
    assert [n for n in names if len(n) <= 100] == [b"app", b"tier"]
    assert len(shown) == 2 and all(len(n) <= 1024 for n in shown)
    for key, value in ((long_a, "v"), (long_pct, "w")):
        prefix = long_name(key.encode())
        [n] = [n for n in shown if n.startswith(prefix)]
        assert re.fullmatch(rb"%%[0-9A-F]{16}", n[len(prefix):]), n
        assert mnt.read(os.fsdecode(b"default/c1/labels/" + n)) == value.encode() + b"\n"
    # `rm labels/*` removes them too
    mnt.ok("rm default/c1/labels/*")
    assert os.listdir(mnt.path("default/c1/labels")) == []
    assert b'"labels"' not in mnt.ctl("c", "info", "c1").out


def test_a_long_name_can_rename_its_key_to_a_short_one(mnt):
    mnt.ctl("c", "label", "c1", "b" * 2000 + "=v")
    [n] = [n for n in os.listdir(mnt.path("default/c1/labels")) if len(n) > 100]
    os.rename(mnt.path("default/c1/labels/" + n), mnt.path("default/c1/labels/short"))
    assert sorted(os.listdir(mnt.path("default/c1/labels"))) == ["app", "short", "tier"]
    assert mnt.text("default/c1/labels/short") == "v\n"


def test_a_name_over_1024_bytes_cannot_be_created(mnt):
    with mnt.unchanged():
        with pytest.raises(OSError) as e:
            open(mnt.path("default/c1/labels/" + "c" * 1025), "w").close()
        assert e.value.errno == errno.ENAMETOOLONG


# ---- open files: one rendered copy per content, not per open ----

def big_spec(m, kib):
    """Gives c1 a spec of about `kib` KiB (one long env list, as real specs grow)."""
    env = [f"VAR{i}={'x' * 100}" for i in range(kib * 1024 // 110)]
    spec = {"ociVersion": "1.1.0", "process": {"args": ["sh"], "env": env, "cwd": "/"},
            "root": {"path": "rootfs"}}
    m.path("default/c1/spec.json").write_text(__import__("json").dumps(spec))
    return m.path("default/c1/spec.json").stat().st_size


def test_many_opens_of_one_file_share_its_content(store_only, many_fds):
    mnt = store_only
    # each open renders the spec and frees it once it finds the shared copy: memory
    # AddressSanitizer's quarantine would keep (256 MB), not the daemon
    asan = os.environ.get("ASAN_OPTIONS", "")
    mnt.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "quarantine_size_mb=8"
    if SLOW > 1:
        pytest.skip("resident memory under valgrind is valgrind's")
    mnt.start()
    size = big_spec(mnt, 1024)  # a 1 MiB spec.json, opened 300 times: 300 MB of old
    before = rss(mnt)
    fds = []
    try:
        for _ in range(300):
            fds.append(os.open(mnt.path("default/c1/spec.json"), os.O_RDONLY))
        assert os.pread(fds[-1], 10, size - 10) == os.pread(fds[0], 10, size - 10)
        grown = rss(mnt) - before
    finally:
        close_all(mnt, fds)
    assert grown < 48 * MiB * slack(mnt), f"the daemon grew by {grown >> 20} MiB"
    # and gives the memory back once they are closed
    assert rss(mnt) - before < 32 * MiB * slack(mnt)


def test_opens_past_the_budget_are_refused_with_enospc(store_only, tmp_path):
    m = store_only
    env = [f"VAR{i}={'x' * 100}" for i in range(1024 * 1024 // 110)]
    for i in range(8):  # eight containers, each with its own 1 MiB spec
        spec = {"ociVersion": "1.1.0", "process": {"args": [f"sh{i}"], "env": env}}
        (tmp_path / "spec.json").write_text(__import__("json").dumps(spec))
        m.ctl("c", "create", "--spec", tmp_path / "spec.json", f"big{i}")
    budget(m, 4 * MiB)
    m.expect(r"^ctrfs: refused open /default/big\d/spec.json: the daemon's memory budget "
             r"for file content \(4 MiB\) is used up \(ENOSPC\)$")
    m.start()
    fds = []
    try:
        for i in range(8):
            try:
                fds.append(os.open(m.path(f"default/big{i}/spec.json"), os.O_RDONLY))
            except OSError as e:
                assert e.errno == errno.ENOSPC
                break
        else:
            raise AssertionError("no open was refused")
        assert 2 <= len(fds) <= 4
        for fd in fds:
            os.close(fd)
        fds = []
        os.close(open_once_released(m.path("default/big7/spec.json")))  # room again
    finally:
        close_all(m, fds)
