"""Trust: no acknowledged write is lost or reverted, and no request can hang the daemon.

Each test drives the real tools or raw syscalls against a real mount; the write-path
ones repeat many rounds, under concurrent load, because the failures they guard
against were races (RELEASE arriving after close(2) returned, a kernel call waiting
for a page a queued request would unlock)."""
import errno
import json
import mmap
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from fstest import SLOW, wait_until

ROUNDS = 300 // SLOW


def label(m, cid, key):
    out = m.ctl("c", "label", cid).out.decode()
    return dict(line.split("=", 1) for line in out.splitlines()).get(key)


class Load:
    """Readers and a ctrfsctl writer on c2 while a test works on c1: the daemon's
    threads are busy, so that requests of one test are served out of order."""

    def __init__(self, m):
        self.m, self.stop, self.errors = m, threading.Event(), []
        self.threads = [threading.Thread(target=self.reader) for _ in range(2)]
        self.threads.append(threading.Thread(target=self.writer))

    def reader(self):
        while not self.stop.is_set():
            try:
                os.listdir(self.m.path("default/c1/labels"))
                self.m.path("default/c2/container.json").read_bytes()
            except OSError as e:
                self.errors.append(repr(e))

    def writer(self):
        i = 0
        while not self.stop.is_set():
            self.m.ctl("c", "label", "c2", f"load={i}")
            i += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)
        assert not self.errors, self.errors[:5]


def test_an_emptied_label_never_overtakes_the_next_write(mnt):
    # `: > k` is stored at RELEASE, which the kernel sends after close(2) returned: it
    # must never land after (and undo) the write that followed it
    lost = []
    with Load(mnt):
        for i in range(ROUNDS):
            r = mnt.sh(f": > default/c1/labels/k; echo v{i} > default/c1/labels/k; "
                       f"cat default/c1/labels/k")
            assert r.status == 0, r
            if r.out != f"v{i}\n":
                lost.append((i, r.out))
    assert not lost, f"{len(lost)} of {ROUNDS} writes undone by the emptying before them"
    wait_until(lambda: label(mnt, "c1", "k") == f"v{ROUNDS - 1}", what="the last value")
    time.sleep(0.2)  # every RELEASE handled: still the last value
    assert label(mnt, "c1", "k") == f"v{ROUNDS - 1}"


def test_ftruncate_then_close_never_overtakes_the_next_write(mnt):
    path = mnt.path("default/c1/labels/app")
    with Load(mnt):
        for i in range(ROUNDS):
            fd = os.open(path, os.O_WRONLY)
            os.ftruncate(fd, 0)
            os.close(fd)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.write(fd, f"w{i}\n".encode())
            os.close(fd)
            assert path.read_text() == f"w{i}\n", f"round {i}"
    time.sleep(0.2)
    assert label(mnt, "c1", "app") == f"w{ROUNDS - 1}"


def test_an_emptied_label_file_can_be_created_renamed_and_removed_at_once(mnt):
    # right after `: > k`, the name is still there for the tools that use it next
    d = mnt.path("default/c1/labels")
    for i in range(ROUNDS):
        (d / "k").write_text(f"x{i}\n")
        mnt.ok(": > default/c1/labels/k")
        fd = os.open(d / "k", os.O_WRONLY | os.O_CREAT, 0o644)  # no false ENOENT
        os.close(fd)
        os.rename(d / "k", d / "k2")
        os.unlink(d / "k2")
    assert label(mnt, "c1", "k") is None and label(mnt, "c1", "k2") is None


def test_an_emptied_label_stays_an_empty_file_until_removed(mnt):
    mnt.ok(": > default/c1/labels/app")
    # not stored (an empty label is no label), but the name the user made stays
    wait_until(lambda: label(mnt, "c1", "app") is None, what="the label deleted")
    assert mnt.path("default/c1/labels/app").read_bytes() == b""
    assert "app" in os.listdir(mnt.path("default/c1/labels"))
    mnt.ok("rm default/c1/labels/app")
    assert "app" not in os.listdir(mnt.path("default/c1/labels"))



def test_an_emptied_namespace_label_stays_an_empty_file_until_removed(mnt):
    # as a container's: containerd stores no namespace label with an empty value, so
    # the emptied label is deleted, and its name stays for the tools that use it next
    d = mnt.path("default/.labels")
    for i in range(ROUNDS // 10):
        (d / "k").write_text(f"x{i}\n")
        mnt.ok(": > default/.labels/k")
        assert (d / "k").read_bytes() == b""
        os.rename(d / "k", d / "k2")
        os.unlink(d / "k2")
    mnt.ok("echo v > default/.labels/k && : > default/.labels/k && rm default/.labels/k")
    assert "k" not in os.listdir(d)

def test_an_emptying_does_not_undo_a_later_change_by_another_process(mnt):
    # the emptying replaces the value it saw; one set since (after close returned)
    # stands. RELEASE is held back here by keeping a duplicate of the fd open.
    path = mnt.path("default/c1/labels/app")
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    dup = os.dup(fd)
    os.close(fd)  # the flush: acknowledged, empty
    mnt.ctl("c", "label", "c1", "app=later")
    os.close(dup)  # RELEASE now: must not delete "later"
    time.sleep(0.2)
    assert label(mnt, "c1", "app") == "later"


def test_a_stale_container_json_handle_reverts_nothing(mnt):
    fd = os.open(mnt.path("default/c1/container.json"), os.O_RDWR)
    try:
        first = os.pread(fd, 1, 0)
        mnt.ctl("c", "label", "c1", "other=new")
        mnt.ctl("c", "update", "c1", "--image", "redis:7")
        os.pwrite(fd, first, 0)  # one unchanged byte
    finally:
        os.close(fd)
    doc = json.loads(mnt.text("default/c1/container.json"))
    assert doc["Labels"]["other"] == "new" and doc["Image"] == "redis:7"


def test_a_stale_container_json_handle_commits_only_what_its_writer_changed(mnt):
    fd = os.open(mnt.path("default/c1/container.json"), os.O_RDWR)
    try:
        doc = json.loads(os.read(fd, 1 << 20))
        mnt.ctl("c", "label", "c1", "other=new")
        doc["Labels"]["tier"] = "back"
        text = json.dumps(doc, indent=4).encode() + b"\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text, 0)
    finally:
        os.close(fd)
    labels = json.loads(mnt.text("default/c1/container.json"))["Labels"]
    assert labels == {"app": "web", "tier": "back", "other": "new"}


def test_a_write_refused_in_part_stores_none_of_it(mnt):
    # 1000 bytes, then one 4096-byte write(2) that the page cache splits at the page
    # boundary: its first part ends the value in "\n" at 4095 bytes (valid with the
    # one-byte key), the whole is 5096 bytes (refused): none of that write is stored
    mnt.expect(r"refused write /default/c1/labels/k: .*4096.* \(EINVAL\)")
    path = mnt.path("default/c1/labels/k")
    time.sleep(0.1)  # a quiet container: the handle uses the page cache
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        assert os.write(fd, b"a" * 1000) == 1000
        with pytest.raises(OSError) as e:
            n = os.write(fd, b"b" * 3095 + b"\n" + b"c" * 1000)
            os.write(fd, b"c" * (4096 - n))  # a short count: the rest must fail
        assert e.value.errno == errno.EINVAL
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    time.sleep(0.1)
    assert label(mnt, "c1", "k") == "a" * 1000


def test_many_writes_of_one_open_are_one_or_two_commits(mnt):
    # a 4 MB dd to image: one update at the first write, one at close; not one per
    # write (each logs an event with every label)
    def logged():
        return len(mnt.ctl("events", "--no-follow", "--since", "0").out.splitlines())

    size = 4000000 // SLOW ** 2  # each write is checked: 40 KB under valgrind
    before = logged()
    mnt.ok(f"head -c {size} /dev/zero | tr '\\0' x | "
           "dd of=default/c1/image bs=4096 status=none")
    assert logged() - before <= 2, f"{logged() - before} changes logged for one dd"
    assert label(mnt, "c1", "app") == "web"
    assert mnt.path("default/c1/image").stat().st_size == size + 1



def test_a_long_stream_refused_at_its_end_is_refused_whole(mnt, tmp_path):
    # beyond 64 KiB a stream's writes are checked as its content doubles, not each
    # time: a value that turns bad in its last bytes is still refused whole, by a later
    # write or by close, and the stored spec stays as it was
    before = mnt.path("default/c1/spec.json").read_bytes()
    src = tmp_path / "spec"
    src.write_text(json.dumps({"ociVersion": "1.0.2", "pad": "x" * (1 << 20)}) + " garbage")
    r = mnt.sh(f"dd if={src} of=default/c1/spec.json bs=4096 status=none")
    assert r.status != 0, r
    assert mnt.path("default/c1/spec.json").read_bytes() == before
    mnt.expect(r"spec\.json")

def abort_connection(m):
    """Ends a hung FUSE connection, as `umount -f` would, through fusectl."""
    conns = "/sys/fs/fuse/connections"
    if not os.listdir(conns):
        subprocess.run(["mount", "-t", "fusectl", "none", conns], check=False)
    with open(f"{conns}/{os.minor(os.stat(m.mnt).st_dev)}/abort", "w") as f:
        f.write("1")
    subprocess.run(["umount", "-l", str(m.mnt)], check=False)


READER = textwrap.dedent("""\
    # Faults the pages of an mmapped file in again and again, each fault a READ queued
    # in the daemon, until told to stop (stdin closes).
    import mmap, os, sys, threading
    fd = os.open(sys.argv[1], os.O_RDONLY)
    size = os.fstat(fd).st_size
    m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    n = 0
    while not stop.is_set():
        for off in range(0, size, 4096):
            m[off]
        m.madvise(mmap.MADV_DONTNEED)
        n += 1
    print(n, flush=True)
""")


def test_invalidations_never_wait_for_a_page_a_queued_request_holds(store_only, tmp_path):
    # few worker threads, a scratch file read through mmap (its pages locked while
    # their READ waits for a worker), openers contending for the handles' lock and a
    # writer making the notifier drop those pages: the daemon must keep answering
    m = store_only.start("-o", "max_threads=2")
    m.ok("head -c 2000000 /dev/urandom > default/c1/notes.bin")
    reader_py = tmp_path / "reader.py"
    reader_py.write_text(READER)
    readers = [subprocess.Popen([sys.executable, str(reader_py),
                                 str(m.path("default/c1/notes.bin"))],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    stop = threading.Event()

    def opener():
        while not stop.is_set():
            for f in ("image", "labels/app", "snapshot_key"):
                try:
                    m.path(f"default/c1/{f}").read_bytes()
                except OSError:
                    pass

    def writer():
        i = 0
        while not stop.is_set():
            m.ctl("c", "label", "c1", f"w={i}", check=False)
            i += 1

    threads = [threading.Thread(target=opener) for _ in range(3)]
    threads += [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    try:
        time.sleep(6)
        # still answering: a listing within a bounded time
        try:
            r = subprocess.run(["ls", str(m.path("default/c1"))], capture_output=True,
                               timeout=20)
        except subprocess.TimeoutExpired:
            abort_connection(m)  # or nothing could end: the daemon is stuck in the kernel
            m.proc.kill()
            m.proc = None
            raise AssertionError("the daemon stopped answering (deadlocked)")
        assert r.returncode == 0
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        for p in readers:
            try:
                p.communicate(input="", timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    assert not any(t.is_alive() for t in threads), "a client hung: the daemon deadlocked"


def test_fsync_stores_an_emptying_before_close(mnt):
    # the documented way to know an emptying is stored (ctrfs(8), WRITING)
    fd = os.open(mnt.path("default/c1/labels/app"), os.O_WRONLY | os.O_TRUNC)
    try:
        os.fsync(fd)
        assert label(mnt, "c1", "app") is None
    finally:
        os.close(fd)
    assert label(mnt, "c1", "app") is None
