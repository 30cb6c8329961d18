"""Live: changes by other processes seen through the caching mount, and MOUNT/.events.

The kernel caches entries, attributes, pages and listings; the daemon's notifier
invalidates them when the store changes. A change committed by ctrfsctl must show on
the next cat, ls or stat: ctrfsctl returns only once the mount has seen it (the store's
watcher handshake), so `seen` looks once, without retry.
"""
import json
import os
import select
import signal
import subprocess
import threading
import stat
import time

import pytest

from fstest import SLOW, seen, wait_until

ROUNDS = 15  # each check repeated, to catch races


def warm(m, *rels):
    """Reads and lists, so that the kernel holds what is checked afterwards."""
    for rel in rels:
        p = m.path(rel)
        if p.is_dir():
            os.listdir(p)
            for e in os.scandir(p):
                e.stat()
        else:
            p.read_bytes()
            p.stat()


# ---- coherence with another writer ----

def test_a_label_added_by_ctrfsctl_shows_at_once(mnt):
    for i in range(ROUNDS):
        warm(mnt, "default/c1", "default/c1/labels")
        # container.json shows every part: its time moves with each change
        before = os.stat(mnt.path("default/c1/container.json")).st_mtime_ns
        mnt.ctl("c", "label", "c1", f"k{i}=v{i}")
        seen("ls", lambda: f"k{i}" in os.listdir(mnt.path("default/c1/labels")))
        seen("cat", lambda: mnt.text(f"default/c1/labels/k{i}") == f"v{i}\n")
        seen("stat", lambda: os.stat(mnt.path("default/c1/container.json")).st_mtime_ns
             > before)
        mnt.ctl("c", "label", "c1", f"k{i}=")
        seen("ls", lambda: f"k{i}" not in os.listdir(mnt.path("default/c1/labels")))
        seen("stat", lambda: not mnt.path(f"default/c1/labels/k{i}").exists())


def test_an_image_changed_by_ctrfsctl_shows_at_once(mnt):
    for i in range(ROUNDS):
        warm(mnt, "default/c1")
        value = "img" + "x" * i
        mnt.ctl("c", "update", "--image", value, "c1")
        seen("cat", lambda: mnt.text("default/c1/image") == value + "\n")
        seen("stat", lambda: os.stat(mnt.path("default/c1/image")).st_size == len(value) + 1)
        seen("cat", lambda: json.loads(mnt.text("default/c1/container.json"))["Image"] == value)


def test_a_container_deleted_by_ctrfsctl_goes_at_once(mnt):
    for i in range(ROUNDS):
        mnt.ctl("c", "create", "--label", "a=b", f"d{i}")
        seen("ls", lambda: f"d{i}" in os.listdir(mnt.path("default")))
        warm(mnt, f"default/d{i}", f"default/d{i}/labels", f"default/d{i}/runtime")
        mnt.ctl("c", "rm", f"d{i}")
        seen("ls", lambda: f"d{i}" not in os.listdir(mnt.path("default")))
        seen("stat", lambda: not mnt.path(f"default/d{i}").exists())
        seen("cat", lambda: not mnt.path(f"default/d{i}/image").exists())
        with pytest.raises(FileNotFoundError):
            mnt.text(f"default/d{i}/labels/a")


def test_a_container_made_anew_shows_its_new_content(mnt):
    for i in range(5):
        mnt.ctl("c", "create", "--label", f"gen={i}", f"img{i}", "again")
        seen("cat", lambda: mnt.text("default/again/labels/gen") == f"{i}\n")
        warm(mnt, "default/again", "default/again/labels")
        mnt.ctl("c", "rm", "again")
        seen("stat", lambda: not mnt.path("default/again").exists())


def test_a_namespace_created_by_ctrfsctl_shows_at_once(mnt):
    for i in range(ROUNDS):
        warm(mnt, "")
        mnt.ctl("ns", "create", f"ns{i}")
        seen("ls", lambda: f"ns{i}" in os.listdir(mnt.path()))
        seen("stat", lambda: mnt.path(f"ns{i}").is_dir())
        mnt.ctl("ns", "rm", f"ns{i}")
        seen("ls", lambda: f"ns{i}" not in os.listdir(mnt.path()))


def test_a_namespace_label_changed_by_ctrfsctl_shows_at_once(mnt):
    for i in range(ROUNDS):
        warm(mnt, "default", "default/.labels")
        mnt.ctl("ns", "label", "default", f"owner=team-{i}")
        seen("cat", lambda: mnt.text("default/.labels/owner") == f"team-{i}\n")
        seen("ls", lambda: "owner" in os.listdir(mnt.path("default/.labels")))
        seen("stat", lambda: os.stat(mnt.path("default/.labels/owner")).st_size
             == len(f"team-{i}\n"))
    mnt.ctl("ns", "label", "default", "owner=")
    seen("ls", lambda: os.listdir(mnt.path("default/.labels")) == [])


def test_a_spec_changed_by_ctrfsctl_shows_at_once(mnt, tmp_path):
    spec = json.loads(mnt.ctl("c", "info", "--spec", "c1").out)
    for i in range(ROUNDS):
        warm(mnt, "default/c1")
        spec["hostname"] = "h" * (i + 1)
        info = json.loads(mnt.ctl("c", "info", "c1").out)
        info["Spec"] = spec
        (tmp_path / "c1.json").write_text(json.dumps(info))
        mnt.ctl("import", "--replace", tmp_path / "c1.json")
        seen("cat", lambda: json.loads(mnt.text("default/c1/spec.json"))["hostname"]
             == "h" * (i + 1))
        seen("stat", lambda: os.stat(mnt.path("default/c1/spec.json")).st_size
             == len(mnt.read("default/c1/spec.json")))


def test_a_replace_keeping_the_times_is_seen_too(mnt, tmp_path):
    """import --replace keeps CreatedAt and UpdatedAt: size and mtime may not change,
    the content does (the notifier drops the pages all the same)."""
    info = json.loads(mnt.ctl("c", "info", "c1").out)
    for i in range(ROUNDS):
        warm(mnt, "default/c1")
        info["Image"] = f"same-length-{i % 10}"
        (tmp_path / "c1.json").write_text(json.dumps(info))
        mnt.ctl("import", "--replace", tmp_path / "c1.json")
        seen("cat", lambda: mnt.text("default/c1/image") == f"same-length-{i % 10}\n")


def test_a_writer_through_the_mount_sees_its_change_everywhere(mnt):
    """No retry: the write returns once the kernel was told (vim compares times)."""
    for i in range(ROUNDS):
        warm(mnt, "default/c1", "default/c1/labels", "default")
        before = os.stat(mnt.path("default/c1/container.json")).st_mtime_ns
        mnt.path("default/c1/labels/app").write_text(f"w{i}\n")
        assert os.stat(mnt.path("default/c1/container.json")).st_mtime_ns > before
        assert os.stat(mnt.path("default/c1")).st_mtime_ns > before
        assert mnt.text("default/c1/labels/app") == f"w{i}\n"
        assert json.loads(mnt.text("default/c1/container.json"))["Labels"]["app"] == f"w{i}"


def test_cached_reads_stay_right_while_ctrfsctl_writes(mnt):
    """Readers through the mount while another process changes the same files: every
    read is one whole value, never a mix or a short read."""
    values = [f"v{i}-" + "x" * (i * 7 % 50) for i in range(40)]
    stop = threading.Event()
    bad = []

    def reader():
        while not stop.is_set():
            for rel in ("default/c1/image", "default/c1/labels/app"):
                try:
                    data = mnt.text(rel)
                except FileNotFoundError:
                    continue
                if data[:-1] not in values + ["docker.io/library/nginx:1.25", "web"] \
                        or not data.endswith("\n"):
                    bad.append((rel, data))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for v in values:
            mnt.ctl("c", "update", "--image", v, "c1")
            mnt.ctl("c", "label", "c1", f"app={v}")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not bad, bad[:5]
    seen("cat", lambda: mnt.text("default/c1/image") == values[-1] + "\n")


# ---- .events ----

def events_of(m, since):
    """What `ctrfsctl events` prints after `since`: the lines .events must give."""
    out = m.ctl("events", "--no-follow", "--since", str(since)).out.decode()
    return [l for l in out.splitlines() if l]


def last_seq(m):
    lines = events_of(m, 0)
    return json.loads(lines[-1])["seq"] if lines else 0


class Follower:
    """`cat MOUNT/.events` running in the background."""

    def __init__(self, m, argv=("cat",)):
        self.out = m.mnt.parent / f"events-{id(self)}.out"
        self.f = open(self.out, "wb")
        self.p = subprocess.Popen([*argv, str(m.path(".events"))], stdout=self.f,
                                  stderr=subprocess.PIPE)
        # the open must have happened before the changes to be seen
        wait_until(self.opened, what="the reader's open")

    def opened(self):
        fds = f"/proc/{self.p.pid}/fd"
        for fd in os.listdir(fds):
            try:
                if os.readlink(f"{fds}/{fd}").endswith(".events"):
                    return True
            except FileNotFoundError:  # closed meanwhile (the loader's files)
                pass
        return False

    def lines(self):
        return [l for l in self.out.read_text().splitlines() if l]

    def stop(self, sig=signal.SIGINT):
        self.p.send_signal(sig)
        try:
            self.p.wait(timeout=2 * SLOW)
        except subprocess.TimeoutExpired:
            self.p.kill()  # so that the mount can go; the test fails below
            self.p.wait()
            raise
        finally:
            self.f.close()
        return self.p.returncode


def test_cat_follows_every_change_as_ctrfsctl_events_prints_it(mnt):
    start = last_seq(mnt)
    f = Follower(mnt)
    try:
        mnt.ctl("c", "label", "c1", "x=1")
        mnt.ctl("c", "create", "c9")
        mnt.ok("echo v > default/c1/labels/y")  # through the mount too
        mnt.ctl("ns", "create", "other")
        mnt.ctl("c", "rm", "c9")
        wait_until(lambda: len(f.lines()) >= 5, timeout=5 * SLOW, what="5 events")
        assert f.p.poll() is None, "cat must follow, not end"
    finally:
        f.stop()
    assert f.lines() == events_of(mnt, start)
    topics = [json.loads(l)["topic"] for l in f.lines()]
    assert topics == ["/containers/update", "/containers/create", "/containers/update",
                      "/namespaces/create", "/containers/delete"]


def test_a_new_open_starts_after_the_newest_event(mnt):
    mnt.ctl("c", "label", "c1", "before=1")
    f = Follower(mnt)
    try:
        mnt.ctl("c", "label", "c1", "after=1")
        wait_until(lambda: f.lines(), what="an event")
        time.sleep(0.1)
    finally:
        f.stop()
    assert len(f.lines()) == 1 and '"after":"1"' in f.lines()[0]


def has_open(pid, path):
    """Whether process pid has the file at path open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            pass
    return False


def test_head_n_5_ends_after_five_events(mnt):
    p = subprocess.Popen(["head", "-n", "5", str(mnt.path(".events"))],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # a reader's stream starts at its open: wait until head has it open
        wait_until(lambda: has_open(p.pid, mnt.path(".events")), timeout=10 * SLOW,
                   what="head to open .events")
        for i in range(7):
            mnt.ctl("c", "label", "c2", f"n={i}")
        out, err = p.communicate(timeout=5 * SLOW)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0 and err == b""
    lines = out.decode().splitlines()
    assert len(lines) == 5
    assert [json.loads(l)["event"]["labels"]["n"] for l in lines] == ["0", "1", "2", "3", "4"]


def test_following_line_by_line_as_tail_f_does(mnt):
    """A reader blocked on .events wakes at each change and gets that change."""
    with open(mnt.path(".events"), "rb", buffering=0) as f:
        for i in range(ROUNDS):
            mnt.ctl("c", "label", "c2", f"follow={i}")
            line = f.readline()  # blocks until the event is there
            ev = json.loads(line)
            assert ev["topic"] == "/containers/update"
            assert ev["event"]["labels"]["follow"] == str(i)


def test_tail_n_plus_1_f_streams_the_events(mnt):
    f = Follower(mnt, argv=("stdbuf", "-o0", "tail", "-n", "+1", "-f"))
    try:
        mnt.ctl("c", "label", "c2", "tail=1")
        wait_until(lambda: f.lines(), what="tail's line")
    finally:
        f.stop(signal.SIGTERM)
    assert '"tail":"1"' in f.lines()[0]


def test_tail_f_shows_each_change(mnt):
    """GNU tail -f seeks to the end, reads backwards, then reads on once st_size grows
    (polling: FUSE is remote to it). With st_size 0 it read the file as a pipe, up to
    an end that never comes, and printed nothing."""
    f = Follower(mnt, argv=("tail", "-f"))
    try:
        mnt.ctl("c", "label", "c2", "tailf=1")
        wait_until(lambda: f.lines(), timeout=5 * SLOW, what="tail -f's first line")
        mnt.ok("echo v > default/c1/labels/tailf")
        wait_until(lambda: len(f.lines()) >= 2, timeout=5 * SLOW, what="tail -f's second line")
        assert f.p.poll() is None, "tail -f must go on"
    finally:
        f.stop(signal.SIGTERM)
    assert [json.loads(l)["event"]["labels"]["tailf"] for l in f.lines()] == ["1", "v"]
    assert f.p.stderr.read() == b""


def test_tail_n_ends_at_once_and_cat_after_a_seek_goes_on_from_there(mnt):
    """The file holds what comes after the open: tail -n 5 prints nothing and ends (it
    reads backwards from the end). A read where the previous one did not end is the end
    of the file at once; a read where it ended waits for events."""
    mnt.ctl("c", "label", "c2", "before=1")
    r = mnt.sh("tail -n 5 .events", timeout=5 * SLOW)
    assert (r.status, r.out) == (0, "")
    st1 = os.stat(mnt.path(".events")).st_size
    mnt.ctl("c", "label", "c2", "grow=1")
    st2 = os.stat(mnt.path(".events")).st_size
    assert 0 < st1 < st2, "st_size grows with the log, so that tail reads on"
    fd = os.open(mnt.path(".events"), os.O_RDONLY)
    try:
        mnt.ctl("c", "label", "c2", "seek=1")
        assert os.pread(fd, 100, 4096) == b"", "after a seek: the end, at once"
        os.set_blocking(fd, False)
        line = os.pread(fd, 1 << 16, 4096)
        assert json.loads(line)["event"]["labels"]["seek"] == "1"
        with pytest.raises(BlockingIOError):
            os.pread(fd, 1 << 16, 4096 + len(line))
    finally:
        os.close(fd)


def test_poll_says_readable_when_an_event_came(mnt):
    fd = os.open(mnt.path(".events"), os.O_RDONLY)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        for i in range(5):
            assert p.poll(100) == [], "nothing new: not readable"
            mnt.ctl("c", "label", "c2", f"poll={i}")
            assert p.poll(2000 * SLOW) == [(fd, select.POLLIN)]
            data = os.read(fd, 1 << 16)
            assert json.loads(data)["event"]["labels"]["poll"] == str(i)
        r, _, _ = select.select([fd], [], [], 0.1)
        assert r == []
        mnt.ctl("c", "label", "c2", "select=1")
        r, _, _ = select.select([fd], [], [], 2 * SLOW)
        assert r == [fd]
        os.read(fd, 1 << 16)
        ep = select.epoll()
        try:
            ep.register(fd, select.EPOLLIN)
            assert ep.poll(0.1) == []
            mnt.ctl("c", "label", "c2", "epoll=1")
            assert ep.poll(2 * SLOW) == [(fd, select.EPOLLIN)]
            assert b'"epoll":"1"' in os.read(fd, 1 << 16)
        finally:
            ep.close()
    finally:
        os.close(fd)


def test_small_reads_get_a_line_in_pieces(mnt):
    fd = os.open(mnt.path(".events"), os.O_RDONLY)
    try:
        mnt.ctl("c", "label", "c2", "piece=" + "p" * 300)
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(fd, 7)
            assert 0 < len(chunk) <= 7
            data += chunk
        assert json.loads(data)["event"]["labels"]["piece"] == "p" * 300
    finally:
        os.close(fd)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_a_blocked_read_at_once(mnt, sig):
    """Ctrl-C on `cat .events`: the kernel sends INTERRUPT, the read ends with EINTR."""
    f = Follower(mnt)
    time.sleep(0.2)  # blocked in read
    t = time.monotonic()
    rc = f.stop(sig)
    assert rc == -sig
    assert time.monotonic() - t < 1 * SLOW
    # the mount goes on serving, .events too
    assert mnt.text("default/c1/image") == "docker.io/library/nginx:1.25\n"
    g = Follower(mnt)
    try:
        mnt.ctl("c", "label", "c2", "after=signal")
        wait_until(lambda: g.lines(), what="an event after the signal")
    finally:
        g.stop()


def test_many_blocked_readers_hold_no_threads(mnt):
    readers = [Follower(mnt) for _ in range(24)]
    try:
        # more than libfuse's threads: the daemon must still answer everything else
        assert mnt.ok("cat default/c1/image", timeout=5) == "docker.io/library/nginx:1.25\n"
        assert "c1" in mnt.ok("ls default", timeout=5)
        mnt.ctl("c", "label", "c2", "many=1")
        wait_until(lambda: all(r.lines() for r in readers), what="every reader's event")
        assert len({r.lines()[0] for r in readers}) == 1
    finally:
        for r in readers:
            r.stop()


def test_grep_r_and_find_do_not_read_events(mnt):
    """.events is not listed: a walk of the tree never opens it (it would never end)."""
    assert ".events" not in os.listdir(mnt.path())
    assert ".events" not in mnt.ok("ls -a")
    r = mnt.sh("grep -r nginx . | sort", timeout=10)
    assert r.status == 0 and r.out.startswith("./default/c1/container.json:")
    mnt.ok("find . -type f | xargs cat > /dev/null", timeout=10)
    assert ".events" not in mnt.ok("find .", timeout=10)
    # but it is there by name
    st = os.stat(mnt.path(".events"))
    assert oct(st.st_mode & 0o777) == "0o444"


def test_events_is_read_only(mnt):
    mnt.fails("echo x > .events", "Permission denied")  # mode 0444
    mnt.expect(r"refused unlink /\.events")
    mnt.fails("rm .events", "Operation not permitted")
    mnt.fails("mkdir .events", "File exists")
    assert mnt.ok("test -f .events && echo file") == "file\n"


def test_the_stream_ends_when_the_daemon_stops(store_only):
    m = store_only.start()
    f = Follower(m)
    time.sleep(0.2)
    m.proc.send_signal(signal.SIGTERM)
    assert f.p.wait(timeout=5 * SLOW) == 0  # end of file: cat ends normally
    f.f.close()
    assert m.proc.wait(timeout=10 * SLOW) == 0
    m.proc = None
    m.log_file.close()


# ---- the watcher handshake: writers wait for the mount, and never for long ----

def watch_sockets(m):
    return sorted(p.name for p in m.store.glob("watch-*.sock"))


def test_the_mount_registers_its_socket_and_removes_it_at_unmount(store_only):
    m = store_only.start()
    assert watch_sockets(m) == [f"watch-{m.proc.pid}.sock"]
    assert stat.S_IMODE(os.stat(m.store).st_mode) == 0o700  # only the store's owner connects
    m.stop()
    assert watch_sockets(m) == []


def test_a_read_only_mount_is_waited_for_too(store_only):
    m = store_only.start("-o", "ro")
    assert watch_sockets(m) == [f"watch-{m.proc.pid}.sock"]
    for i in range(ROUNDS):
        warm(m, "default/c1")
        m.ctl("c", "update", "--image", f"ro{i}", "c1")
        seen("cat", lambda: m.text("default/c1/image") == f"ro{i}\n")
        seen("stat", lambda: os.stat(m.path("default/c1/image")).st_size == len(f"ro{i}") + 1)


def test_a_stopped_mount_holds_a_writer_one_second_at_most(mnt):
    warm(mnt, "default/c1")
    mnt.proc.send_signal(signal.SIGSTOP)
    try:
        t = time.monotonic()
        mnt.ctl("c", "update", "--image", "while-stopped", "c1")
        took = time.monotonic() - t
    finally:
        mnt.proc.send_signal(signal.SIGCONT)
    assert 0.9 <= took < 5, took  # CTRFS_WATCH_TIMEOUT_MS, then the write returns
    assert json.loads(mnt.ctl("c", "info", "c1").out)["Image"] == "while-stopped"
    wait_until(lambda: mnt.text("default/c1/image") == "while-stopped\n", what="the change")


def test_a_killed_mount_holds_no_writer_and_its_record_goes(store_only):
    m = store_only.start()
    dead = f"watch-{m.proc.pid}.sock"
    m.proc.send_signal(signal.SIGKILL)
    m.proc.wait()
    m.proc = None
    m.log_file.close()
    subprocess.run(["fusermount3", "-u", str(m.mnt)], check=True)
    assert watch_sockets(m) == [dead]  # left behind: nobody listens on it
    t = time.monotonic()
    for i in range(10):
        m.ctl("c", "update", "--image", f"after-kill{i}", "c1")
    assert time.monotonic() - t < 5  # no writer waited out a timeout (10 x 1 s)
    m.start()  # the next mount drops the dead one's record and socket
    assert watch_sockets(m) == [f"watch-{m.proc.pid}.sock"]
    assert m.text("default/c1/image") == "after-kill9\n"


def test_two_mounts_of_one_store_both_see_a_write_at_once(store_only, tmp_path):
    from fstest import Mount
    a = store_only.start()
    b = Mount(a.build_dir, tmp_path, store=a.store, mnt=tmp_path / "mnt2").start()
    try:
        for i in range(ROUNDS):
            for m in (a, b):
                warm(m, "default/c1", "default/c1/labels")
            a.ctl("c", "label", "c1", f"both{i}=yes")
            for m in (a, b):
                seen("ls", lambda: f"both{i}" in os.listdir(m.path("default/c1/labels")))
            # a write through one mount is seen through the other at once
            (a.path("default/c1/image")).write_text(f"via-a{i}\n")
            seen("cat", lambda: b.text("default/c1/image") == f"via-a{i}\n")
            seen("stat", lambda: os.stat(b.path("default/c1/image")).st_size == len(f"via-a{i}") + 1)
    finally:
        b.stop()


# ---- inotify: only this mount's own changes (ctrfs(8) says so, and .events) ----

def test_inotify_sees_only_the_mounts_own_changes_as_the_man_page_says(mnt):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    IN_MODIFY, IN_CREATE, IN_NONBLOCK = 0x2, 0x100, 0o4000
    fd = libc.inotify_init1(IN_NONBLOCK)
    assert fd >= 0
    try:
        wd = libc.inotify_add_watch(fd, str(mnt.path("default/c1/labels")).encode(),
                                    IN_MODIFY | IN_CREATE)
        assert wd >= 0

        def events(timeout):
            r, _, _ = select.select([fd], [], [], timeout)
            return os.read(fd, 4096) if r else b""

        mnt.ok("echo v > default/c1/labels/mine")
        assert b"mine" in events(5 * SLOW), "a change through the mount raises events"
        mnt.ctl("c", "label", "c1", "theirs=1")
        assert mnt.text("default/c1/labels/theirs") == "1\n"  # visible at once...
        assert events(0.3) == b"", "...but raises no inotify event"
    finally:
        os.close(fd)
    man = (mnt_source() / "doc" / "ctrfs.8").read_text()
    para = next(p for p in man.split("\n.PP\n") if p.startswith(".BR inotify (7)"))
    assert "only the\nchanges made through this mount" in para and ".events" in para


def mnt_source():
    from pathlib import Path
    return Path(os.environ.get("CTRFS_SOURCE_DIR", Path(__file__).parents[2]))


# ---- no store commit under the lock a stat takes (doc/ARCHITECTURE.md, "Locks") ----

def accept_queue(sock_path):
    """Connections made to the listening Unix socket at sock_path and not accepted (its
    process is stopped): /proc/net/unix lists each under the listener's path, without
    the listener's flag (__SO_ACCEPTCON, 00010000)."""
    with open("/proc/net/unix") as f:
        rows = [line.split() for line in f if line.rstrip().endswith(" " + str(sock_path))]
    return sum(1 for r in rows if r[3] != "00010000")


def statx_force_sync(path):
    """statx(2) with AT_STATX_FORCE_SYNC: FUSE asks the daemon (GETATTR), whatever the
    kernel has cached."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    AT_FDCWD, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS = -100, 0x2000, 0x7FF
    buf = ctypes.create_string_buffer(256)
    if libc.statx(AT_FDCWD, str(path).encode(), AT_STATX_FORCE_SYNC, STATX_BASIC_STATS,
                  buf) != 0:
        raise OSError(ctypes.get_errno(), "statx")


def test_a_stat_never_waits_for_a_commit_in_flight(store_only, tmp_path):
    """A commit waits for every other mount of the store (here a stopped one: a whole
    second). A stat of that very file meanwhile, which asks the open handle for its
    attributes, answers at once: the commit holds no lock a stat takes. (The commit is
    an fsync's: during a write(2) the kernel itself holds the file's page.)"""
    from fstest import Mount
    a = store_only.start()
    b = Mount(a.build_dir, tmp_path, store=a.store, mnt=tmp_path / "mnt2").start()
    done = {}
    fd = None
    try:
        warm(a, "default/c1")
        b_socket = a.store / f"watch-{b.proc.pid}.sock"
        # opened on a quiet container, the handle shares the page cache: a stat then
        # asks it for the attributes (pagecache.c)
        time.sleep(0.2)
        fd = os.open(a.path("default/c1/image"), os.O_WRONLY | os.O_TRUNC)
        os.write(fd, b"first\n")  # committed: later writes wait for fsync or close
        os.pwrite(fd, b"held1\n", 0)
        assert b_socket.exists() and accept_queue(b_socket) == 0
        b.proc.send_signal(signal.SIGSTOP)

        def fsync():
            os.fsync(fd)
            done["fsync"] = True

        syncer = threading.Thread(target=fsync)
        syncer.start()
        # committed, the fsync waits for the stopped mount: its connection is queued
        wait_until(lambda: accept_queue(b_socket) >= 1 or "fsync" in done,
                   what="the fsync waiting for mount b")
        assert "fsync" not in done, "the fsync did not wait for the stopped mount"
        queued = time.monotonic()
        statx_force_sync(a.path("default/c1/image"))
        # waiting for the commit, the stat could only return once the writer gave up
        # on mount b: a whole CTRFS_WATCH_TIMEOUT_MS (1 s) after it was queued
        stat_took = time.monotonic() - queued
        syncer.join(10 * SLOW)
    finally:
        b.proc.send_signal(signal.SIGCONT)
        if fd is not None:
            os.close(fd)
        b.stop()
    assert stat_took < 0.9 and "fsync" in done, \
        f"a stat waited {stat_took:.3f} s for the commit of the file's open handle"
    assert a.text("default/c1/image") == "held1\n"
