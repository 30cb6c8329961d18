"""Failure tests: a killed daemon, many writers at once, a full disk, other users.
Each is bounded in time and prints what it survived (run pytest with -s to see it)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from fstest import Mount, is_mounted, wait_until

WRITER = textwrap.dedent("""\
    # Writes labels through the mount, one file each, and reports each write after
    # write(2) and close(2) both returned success: an acknowledged write.
    import os, sys
    labels, prefix, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    i = start
    while True:
        path = os.path.join(labels, f"{prefix}{i}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, f"v{i}\\n".encode())
            os.close(fd)
        except OSError as e:
            print(f"error {e.errno}", flush=True)
            break
        print(f"ack {prefix}{i}", flush=True)
        i += 1
""")


def labels_of(m, cid):
    out = m.ctl("c", "label", cid).out.decode()
    return dict(line.split("=", 1) for line in out.splitlines())


def test_kill_9_during_a_write_storm_loses_no_acknowledged_write(store_only, tmp_path):
    m = store_only.start()
    writer = tmp_path / "writer.py"
    writer.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(writer), str(m.path("default/c1/labels")),
                               f"w{n}-", "0"], stdout=subprocess.PIPE, text=True)
             for n in range(2)]
    time.sleep(1.5)
    m.proc.send_signal(signal.SIGKILL)  # the daemon dies mid-storm
    m.proc.wait()
    acked = []
    for p in procs:
        out, _ = p.communicate(timeout=30)
        acked += [line.split()[1] for line in out.splitlines() if line.startswith("ack ")]
    m.proc = None
    m.log_file.close()
    subprocess.run(["fusermount3", "-u", str(m.mnt)], check=True)
    assert acked, "no write was acknowledged before the kill"

    check = m.ctl("check", check=False)
    assert check.status == 0, check
    stored = labels_of(m, "c1")
    lost = [k for k in acked if stored.get(k) != "v" + k.split("-")[1]]
    assert not lost, f"acknowledged but lost: {lost[:10]}"

    m.start()  # and the mount works again
    for k in acked[-5:]:
        assert m.text(f"default/c1/labels/{k}") == "v" + k.split("-")[1] + "\n"
    print(f"\nkill -9: {len(acked)} acknowledged writes from 2 writers, all present; "
          "store consistent")


def test_writers_through_the_mount_and_ctrfsctl_with_readers_lose_nothing(store_only, tmp_path):
    m = store_only.start()
    duration = 4.0
    errors, acked = [], {}
    stop = threading.Event()

    def mount_writer(n):
        i = 0
        while not stop.is_set():
            path = m.path(f"default/c1/labels/m{n}")
            try:
                path.write_text(f"{i}\n")
                acked[f"m{n}"] = str(i)
            except OSError as e:
                errors.append(f"mount writer {n}: {e}")
                return
            i += 1

    def ctl_writer():
        i = 0
        while not stop.is_set():
            r = m.ctl("c", "label", "c1", f"cli={i}", check=False)
            if r.status:
                errors.append(f"ctrfsctl: {r.err}")
                return
            acked["cli"] = str(i)
            i += 1

    reads = [0]

    def reader():
        while not stop.is_set():
            try:
                doc = json.loads(m.path("default/c1/container.json").read_text())
                assert doc["ID"] == "c1"
                os.listdir(m.path("default/c1/labels"))
                m.path("default/c2/image").read_text()
                reads[0] += 1
            except (OSError, ValueError, AssertionError) as e:
                errors.append(f"reader: {e!r}")
                return

    threads = [threading.Thread(target=mount_writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=ctl_writer)] + [threading.Thread(target=reader)
                                                        for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a client hung (deadlock?)"
    assert not errors, errors
    stored = labels_of(m, "c1")
    for key, value in acked.items():
        assert stored.get(key) == value, f"{key}: acknowledged {value}, stored {stored.get(key)}"
    assert m.ctl("check", check=False).status == 0
    print(f"\nconcurrency: {len(acked)} writers' last values all stored, {reads[0]} consistent "
          f"reads, {duration:.0f} s, no error, no hang")


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs to hold a store."""
    d = tmp_path / "small"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(d)], check=True)
    yield d
    subprocess.run(["umount", "-l", str(d)])


def test_a_full_disk_fails_writes_with_enospc_and_recovers_when_space_is_freed(small_disk,
                                                                             tmp_path):
    m = Mount(Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2]
                                  / "build")), tmp_path, store=small_disk / "store")
    m.ctl("c", "create", "--label", "keep=me", "c1")
    m.start()
    m.expect(r"[Nn]o space left on device")
    # fill the disk, leaving no room for LMDB to grow its file
    filler = small_disk / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
    before = m.export()
    big = "x" * 3000
    failed_at = None
    for i in range(400):
        r = m.sh(f"echo {big} > default/c1/labels/big{i}")
        if r.status:
            assert "No space left on device" in r.err, r
            failed_at = i
            break
    assert failed_at is not None, "the disk never filled"
    # what was acknowledged is there, nothing is damaged
    assert m.ctl("check", check=False).status == 0
    assert m.text("default/c1/labels/keep") == "me\n"
    # the failed label is not stored (as on any filesystem, the file created by the
    # shell's O_CREAT may stay, empty, in the mount)
    assert f"big{failed_at}" not in labels_of(m, "c1")
    filler.unlink()
    m.ok("echo back > default/c1/labels/after")
    assert m.text("default/c1/labels/after") == "back\n"
    assert before != m.export()
    m.stop()
    print(f"\ndisk full: write {failed_at} failed with ENOSPC, store consistent, "
          "writes work again once space is freed")


def test_the_map_grows_while_the_disk_has_room(tmp_path):
    m = Mount(Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2]
                                  / "build")), tmp_path)
    # a store created by the daemon itself with a 64 KiB map (LMDB keeps the map size
    # of an existing store, so the store must start here)
    m.env = {**m.env, "CTRFS_MAP_SIZE": str(64 * 1024)}
    m.start("-o", "create")
    try:
        big = "y" * 4000
        m.ok(f"mkdir default default/c; for i in $(seq 1 200); do "
             f"echo {big} > default/c/labels/k$i || exit 1; done")
        assert m.text("default/c/labels/k200") == big + "\n"
        info = subprocess.run(["mdb_stat", "-e", str(m.store)], capture_output=True,
                              text=True).stdout
        size = int(next(l for l in info.splitlines() if "Map size" in l).split()[-1])
        assert size > 64 * 1024, size
    finally:
        m.stop()
    print(f"\nmap growth: a 64 KiB map grew to {size // 1024} KiB under 200 writes of 4 KB")


def run_as_nobody(script, cwd):
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "bash", "-c", script], cwd=cwd, capture_output=True, text=True)


def test_with_allow_other_another_user_reads_but_cannot_change(store_only):
    m = store_only.start("-o", "allow_other")
    os.chmod(m.mnt.parent, 0o755)  # let the other user reach the mount point
    before = m.export()
    r = run_as_nobody("cat default/c1/image && ls default/c1/labels", m.mnt)
    assert r.returncode == 0, r
    assert "docker.io/library/nginx:1.25" in r.stdout
    for script in ["echo x > default/c1/image", "echo 1 > default/c1/labels/new",
                   "rm default/c1/labels/app", "mkdir default/c3", "rmdir default/c2"]:
        r = run_as_nobody(script, m.mnt)
        assert r.returncode != 0 and "Permission denied" in r.stderr, (script, r)
    assert m.export() == before
    m.stop()


def test_without_allow_other_another_user_cannot_even_look(store_only):
    m = store_only.start()
    os.chmod(m.mnt.parent, 0o755)
    r = run_as_nobody("ls default", m.mnt.parent)
    assert r.returncode != 0


def test_store_files_are_private(store_only):
    m = store_only.start()
    assert (os.stat(m.store).st_mode & 0o777) == 0o700
    for f in ("data.mdb", "lock.mdb"):
        assert (os.stat(m.store / f).st_mode & 0o777) == 0o600
