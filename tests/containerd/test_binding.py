"""A store bound to a private containerd (issue 13), mounted with `ctrfs -o containerd`:
writes through the mount reach containerd first and containerd's answer is what the
mount shows; `ctr`'s changes show in the mount; containerd going away and coming back.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ctrdtest import BUILD_DIR, Containerd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fs"))
from fstest import SLOW, Mount  # noqa: E402

SYNCED = r"synced with containerd: "


def bound_mount(containerd, base, sock=None):
    m = Mount(BUILD_DIR, base)
    m.expect(SYNCED)
    return m.start("-o", "create", "-o", f"containerd={sock or containerd.sock}")


@pytest.fixture
def bound(containerd, tmp_path):
    m = bound_mount(containerd, tmp_path)
    yield m
    m.stop()


def create_with_ctr(containerd, ns, cid, *labels, seen=None):
    """Creates a container with ctr; with seen (a bound mount), waits until the mount's
    follower has applied containerd's event, so that what follows writes to it."""
    args = ["c", "create", "--rootfs"]
    for kv in labels:
        args += ["--label", kv]
    containerd.ctr(*args, containerd.make_rootfs(), cid, "/bin/sleep", "300", ns=ns)
    if seen:
        assert eventually(lambda: (seen.mnt / ns / cid / "container.json").exists(), True)


def info(containerd, ns, cid):
    return containerd.ctr("c", "info", cid, ns=ns).stdout


def ns_names(containerd):
    return containerd.ctr("ns", "ls", "-q").stdout.split()


def eventually(fn, want, timeout=5.0):
    """Polls fn() until it returns want (a bound for the follower, not a timing
    requirement); returns the last value."""
    end = time.monotonic() + timeout * SLOW
    got = fn()
    while got != want and time.monotonic() < end:
        time.sleep(0.01)
        got = fn()
    return got


def read_or_none(path):
    try:
        return Path(path).read_text().removesuffix("\n")
    except OSError:
        return None


# ---- the first sync ----

def test_mount_shows_what_containerd_holds(containerd, ns, tmp_path):
    create_with_ctr(containerd, ns, "web", "app=web", "tier=front")
    containerd.ctr("ns", "label", ns, "team=a")
    m = Mount(BUILD_DIR, tmp_path)
    # a container only the store had, before binding: containerd has it not; binding
    # such a store would replace it, so that is refused unless asked for
    m.ctl("c", "create", "stale", ns=ns)
    r = subprocess.run([str(m.exe), "-f", "-o", f"containerd={containerd.sock}",
                        str(m.store), str(m.mnt)], capture_output=True, text=True,
                       timeout=30 * SLOW)
    assert r.returncode != 0 and "holds namespaces of its own" in r.stderr, r
    assert b"stale" in m.ctl("c", "ls", "-q", ns=ns).out
    m.ctl("bind", "--replace", "--no-sync", containerd.sock)
    m.expect(SYNCED)
    m.start("-o", f"containerd={containerd.sock}")
    try:
        assert m.text(f"{ns}/web/container.json") == info(containerd, ns, "web")
        assert m.text(f"{ns}/web/labels/app") == "web\n"
        assert m.text(f"{ns}/.labels/team") == "a\n"
        assert not (m.mnt / ns / "stale").exists()
    finally:
        m.stop()


# ---- writes through the mount go to containerd first ----

def test_label_write_reaches_containerd(containerd, ns, bound):
    create_with_ctr(containerd, ns, "web", "app=web", seen=bound)
    bound.ok(f"echo api > {ns}/web/labels/app && echo 1 > {ns}/web/labels/new")
    got = json.loads(info(containerd, ns, "web"))
    assert got["Labels"] == {"app": "api", "new": "1"}
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")
    bound.ok(f"rm {ns}/web/labels/new")
    assert json.loads(info(containerd, ns, "web"))["Labels"] == {"app": "api"}
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")


def test_label_rename_is_one_update(containerd, ns, bound):
    create_with_ctr(containerd, ns, "web", "app=web", seen=bound)
    bound.ok(f"mv {ns}/web/labels/app {ns}/web/labels/role")
    assert json.loads(info(containerd, ns, "web"))["Labels"] == {"role": "web"}
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")


def test_image_write_reaches_containerd(containerd, ns, bound):
    create_with_ctr(containerd, ns, "web", seen=bound)
    bound.ok(f"echo docker.io/library/busybox:1 > {ns}/web/image")
    assert json.loads(info(containerd, ns, "web"))["Image"] == "docker.io/library/busybox:1"
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")


def test_ctrfsctl_on_a_bound_store_writes_through_containerd(containerd, ns, bound):
    # the binding is in the store: ctrfsctl needs no option to honour it
    create_with_ctr(containerd, ns, "web", seen=bound)
    bound.ctl("c", "label", "web", "by=ctl", ns=ns)
    assert json.loads(info(containerd, ns, "web"))["Labels"] == {"by": "ctl"}
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")
    r = bound.ctl("c", "create", "web", ns=ns, check=False)
    assert r.status != 0 and b"already exists" in r.err


def test_mkdir_rmdir_container_and_namespace(containerd, ns, bound):
    bound.ok(f"mkdir {ns} && mkdir {ns}/made")
    assert ns in ns_names(containerd)
    assert containerd.ctr("c", "ls", "-q", ns=ns).stdout.split() == ["made"]
    assert bound.text(f"{ns}/made/container.json") == info(containerd, ns, "made")
    bound.ok(f"rmdir {ns}/made")
    assert containerd.ctr("c", "ls", "-q", ns=ns).stdout.split() == []
    bound.ok(f"rmdir {ns}")
    assert ns not in ns_names(containerd)


def test_namespace_label_write_reaches_containerd(containerd, ns, bound):
    def labels_of_ns():
        rows = [l.split() for l in containerd.ctr("ns", "ls").stdout.splitlines()[1:]]
        return [r[1:] for r in rows if r[0] == ns]

    bound.ok(f"mkdir {ns} && echo a > {ns}/.labels/team")
    assert labels_of_ns() == [["team=a"]]
    bound.ok(f"rm {ns}/.labels/team")
    assert labels_of_ns() == [[]]


def test_containerd_refusal_is_the_errno_and_nothing_changes(containerd, ns, bound):
    # a snapshot: containerd's namespace is not empty, though no container shows it
    containerd.ctr("ns", "create", ns)
    containerd.ctr("snapshots", "prepare", "k1", ns=ns)
    assert eventually(lambda: (bound.mnt / ns).is_dir(), True)
    bound.expect(rf"refused rmdir /{ns}: .*must be empty")
    with bound.unchanged():
        bound.fails(f"rmdir {ns}", "Directory not empty")
    assert ns in ns_names(containerd)
    containerd.ctr("snapshots", "rm", "k1", ns=ns)
    containerd.ctr("ns", "rm", ns)


# ---- ctr's changes show in the mount ----

def test_ctr_changes_are_seen_through_the_mount(containerd, ns, bound):
    create_with_ctr(containerd, ns, "web", "app=web", seen=bound)
    labels = bound.mnt / ns / "web" / "labels"
    assert eventually(lambda: read_or_none(labels / "app"), "web") == "web"
    containerd.ctr("c", "label", "web", "app=api", "k=v", ns=ns)
    assert eventually(lambda: read_or_none(labels / "k"), "v") == "v"
    assert read_or_none(labels / "app") == "api"
    assert bound.text(f"{ns}/web/container.json") == info(containerd, ns, "web")
    containerd.ctr("c", "rm", "web", ns=ns)
    assert eventually(lambda: (bound.mnt / ns / "web").exists(), False) is False
    containerd.ctr("ns", "label", ns, "team=b")
    assert eventually(lambda: read_or_none(bound.mnt / ns / ".labels" / "team"), "b") == "b"
    containerd.ctr("ns", "rm", ns)
    assert eventually(lambda: (bound.mnt / ns).exists(), False) is False


def test_two_writers_end_with_the_mirror_equal_to_containerd(containerd, ns, bound):
    create_with_ctr(containerd, ns, "web", "k=0", seen=bound)
    ctr = subprocess.Popen(["bash", "-c", "for i in $(seq 1 15); do ctr -a " + containerd.sock +
                            f" -n {ns} c label web k=ctr$i j$i=x || exit 1; done"])
    bound.ok(f"for i in $(seq 1 30); do echo m$i > {ns}/web/labels/k; done")
    assert ctr.wait(timeout=60 * SLOW) == 0
    want = info(containerd, ns, "web")
    assert eventually(lambda: bound.text(f"{ns}/web/container.json"), want) == want


# ---- containerd away and back ----

def test_containerd_down_then_back_converges(tmp_path):
    (tmp_path / "ctrd").mkdir()
    c = Containerd(tmp_path / "ctrd")
    m = None
    try:
        create_with_ctr(c, "n1", "keep", "v=1")
        create_with_ctr(c, "n1", "gone")
        m = bound_mount(c, tmp_path)
        assert m.text("n1/keep/labels/v") == "1\n"
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait()
        # the mirror is served; a write fails with the reason
        assert m.text("n1/keep/labels/v") == "1\n"
        m.expect(r"containerd unreachable at .*serving the mirror")
        m.expect(r"refused .*/n1/keep/labels/v: containerd unreachable at " + c.sock)
        with m.unchanged():
            m.fails("echo 2 > n1/keep/labels/v", "Input/output error")
        # changes while ctrfs was away, by a containerd on the same root
        other = Containerd(tmp_path / "ctrd", sock=str(tmp_path / "ctrd" / "other.sock"))
        other.ctr("c", "label", "keep", "v=3", ns="n1")
        other.ctr("c", "rm", "gone", ns="n1")
        create_with_ctr(other, "n1", "new", "x=y")
        other.stop()
        c = Containerd(tmp_path / "ctrd")
        m.expect(r"containerd is back")
        assert eventually(lambda: read_or_none(m.mnt / "n1/keep/labels/v"), "3") == "3"
        assert eventually(lambda: (m.mnt / "n1/gone").exists(), False) is False
        assert m.text("n1/new/container.json") == info(c, "n1", "new")
        assert m.text("n1/keep/container.json") == info(c, "n1", "keep")
        # and writes go through again
        m.ok("echo 4 > n1/keep/labels/v")
        assert json.loads(info(c, "n1", "keep"))["Labels"]["v"] == "4"
    finally:
        if m:
            m.stop()
        c.stop()
        subprocess.run(["umount", "-R", "-l", f"{tmp_path}/ctrd/state"], capture_output=True)
