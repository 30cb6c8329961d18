"""A store other users could have written, or that holds what no ctrfs wrote: whose
stores the library opens, the records it trusts, and the bounds it keeps (the change
log's bytes, the nesting of JSON)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from storetest import Ctl

NOBODY = 65534


def lmdb_put(store, table, key: bytes, value: bytes):
    """Writes one raw record into a table of a store with LMDB's own mdb_load, as a
    hostile or older writer could."""
    def esc(b):
        return "".join(chr(c) if chr(c).isalnum() else "\\%02x" % c for c in b)
    subprocess.run(["mdb_load", "-T", "-s", table, str(store)], check=True,
                   input=f"{esc(key)}\n{esc(value)}\n", text=True)


@pytest.fixture
def shared_dir():
    """A directory other users can reach (pytest's tmp_path is private to root)."""
    d = tempfile.mkdtemp(prefix="ctrfs-hostile-")
    os.chmod(d, 0o755)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


def as_nobody(ctl, *args):
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                           "--clear-groups", *ctl.argv(args)], capture_output=True,
                          text=True, env=ctl.env, timeout=60)


def chown_tree(path, uid):
    for p in [path, *path.iterdir()]:
        os.lchown(p, uid, uid)


# ---- watcher records name pids, never paths ----

def test_a_recorded_watcher_path_is_never_connected_to(ctl, tmp_path):
    """A writer looks for a watcher's socket by the name it builds from the pid in the
    store directory; a path recorded in the store (a stranger's socket) is not used."""
    ctl.ok("containers", "create", "c1")
    lure = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lure.bind(str(tmp_path / "lure.sock"))
    lure.listen(8)
    lure.setblocking(False)
    # a live pid (ours), whose socket in the store directory does not exist
    lmdb_put(ctl.store, "meta", b"watch/%d" % os.getpid(),
             str(tmp_path / "lure.sock").encode())
    ctl.ok("containers", "label", "c1", "a=1")
    with pytest.raises(BlockingIOError):
        lure.accept()
    lure.close()


# ---- whose store ----

def test_root_refuses_a_store_owned_by_another_user(ctl):
    ctl.ok("containers", "create", "c1")
    chown_tree(ctl.store, NOBODY)
    msg = ctl.error("containers", "ls")
    assert msg == (f"store {ctl.store}: owned by uid {NOBODY}, not by root: refusing "
                   "another user's store as root (open it as its owner)")


def test_root_refuses_a_store_whose_data_file_another_user_owns(ctl):
    ctl.ok("containers", "create", "c1")
    os.chown(ctl.store / "data.mdb", NOBODY, NOBODY)
    msg = ctl.error("containers", "ls")
    assert msg.startswith(f"store {ctl.store}/data.mdb: owned by uid {NOBODY}, not by root")


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_store_dir_writable_by_group_or_others_is_refused(ctl, mode):
    ctl.ok("containers", "create", "c1")
    ctl.store.chmod(mode)
    msg = ctl.error("containers", "ls")
    assert msg == (f"store {ctl.store}: writable by group or others (mode {mode:04o}): "
                   "refusing it (chmod go-w)")


@pytest.mark.parametrize("name", ["data.mdb", "lock.mdb"])
def test_a_store_file_writable_by_others_is_refused(ctl, name):
    ctl.ok("containers", "create", "c1")
    (ctl.store / name).chmod(0o666)
    msg = ctl.error("containers", "ls")
    assert msg.startswith(f"store {ctl.store}/{name}: writable by group or others")


def test_a_symlinked_data_file_is_refused(ctl, tmp_path):
    ctl.ok("containers", "create", "c1")
    (ctl.store / "data.mdb").rename(tmp_path / "elsewhere.mdb")
    (ctl.store / "data.mdb").symlink_to(tmp_path / "elsewhere.mdb")
    msg = ctl.error("containers", "ls")
    assert msg == (f"store {ctl.store}/data.mdb: a symbolic link, not a regular file: "
                   "refusing it")


def test_a_symlinked_store_path_is_refused(ctl, ctrfsctl, tmp_path):
    ctl.ok("containers", "create", "c1")
    link = tmp_path / "link"
    link.symlink_to(ctl.store)
    msg = Ctl(ctrfsctl, link).error("containers", "ls")
    assert msg == f"store {link}: a symbolic link: give the path of the directory itself"


def test_a_user_opens_a_store_of_their_own(ctrfsctl, shared_dir):
    ctl = Ctl(ctrfsctl, shared_dir / "store").init()
    ctl.ok("containers", "create", "c1")
    chown_tree(ctl.store, NOBODY)
    r = as_nobody(ctl, "containers", "label", "c1", "a=1")
    assert r.returncode == 0, r


def test_a_user_refuses_their_store_when_group_writable(ctrfsctl, shared_dir):
    ctl = Ctl(ctrfsctl, shared_dir / "store").init()
    ctl.ok("containers", "create", "c1")
    chown_tree(ctl.store, NOBODY)
    ctl.store.chmod(0o770)
    r = as_nobody(ctl, "containers", "ls")
    assert r.returncode == 1, r
    assert r.stderr == (f"ctrfsctl: store {ctl.store}: writable by group or others "
                        "(mode 0770): refusing it (chmod go-w)\n")


def test_a_new_store_is_private_and_accepted(ctl):
    ctl.ok("containers", "create", "c1")
    assert ctl.store.stat().st_mode & 0o777 == 0o700
    ctl.ok("containers", "label", "c1", "a=1")


# ---- the change log is bounded by bytes ----

def test_the_change_log_drops_old_events_beyond_its_byte_bound(ctrfsctl, tmp_path):
    bound = 256 * 1024
    ctl = Ctl(ctrfsctl, tmp_path / "store", env={"CTRFS_EVENTS_MAX_BYTES": str(bound)}).init()
    big = "v" * 4000
    labels = [arg for i in range(10) for arg in ("--label", f"k{i}={big}")]
    ctl.ok("containers", "create", *labels, "c1")
    # each update event carries every label: ~40 KB each, ~2.4 MB for all
    for i in range(60):
        ctl.ok("containers", "label", "c1", f"n={i}")
    events = [json.loads(l) for l in ctl.ok("events", "--since", "0", "--no-follow").splitlines()]
    assert events[0]["seq"] > 1, "the oldest events were kept"
    assert events[-1]["seq"] == 61
    assert events[-1]["event"]["labels"]["n"] == "59"
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], 62))
    size = os.stat(ctl.store / "data.mdb").st_size
    assert size < 1024 * 1024, f"data.mdb grew to {size} bytes"


def test_one_event_larger_than_the_byte_bound_is_kept(ctrfsctl, tmp_path):
    ctl = Ctl(ctrfsctl, tmp_path / "store", env={"CTRFS_EVENTS_MAX_BYTES": "4096"}).init()
    ctl.ok("containers", "create", "--label", "k=" + "v" * 4000, "c1")
    ctl.ok("containers", "label", "c1", "n=1")
    events = [json.loads(l) for l in ctl.ok("events", "--since", "0", "--no-follow").splitlines()]
    assert [e["seq"] for e in events] == [2]


# ---- JSON nesting ----

def nested(depth):
    """An object nested `depth` levels deep (an OCI spec is an object)."""
    return '{"a":' * depth + "1" + "}" * depth


def test_a_spec_nested_64_deep_is_accepted(ctl, write_json):
    ctl.ok("containers", "create", "--spec", write_json(nested(64)), "c1")


def test_a_spec_nested_deeper_than_64_is_refused(ctl, write_json):
    ctl.ok("containers", "create", "c0")
    with ctl.unchanged():
        msg = ctl.error("containers", "create", "--spec", write_json(nested(65)), "c1")
    assert msg == ("create container failed validation: spec: JSON nested deeper than 64 "
                   "levels: invalid argument")


def test_a_spec_update_nested_too_deep_is_refused(ctl, write_json):
    ctl.ok("containers", "create", "c1")
    with ctl.unchanged():
        msg = ctl.error("containers", "update", "--spec", write_json(nested(200)), "c1")
    assert msg == ("update failed validation: spec: JSON nested deeper than 64 levels: "
                   "invalid argument")


def test_an_imported_container_nested_too_deep_is_refused(ctl, write_json):
    doc = '{"ID":"c1","Runtime":{"Name":"io.containerd.runc.v2"},"Spec":' + nested(65) + "}"
    ctl.ok("containers", "create", "c0")
    with ctl.unchanged():
        msg = ctl.error("import", write_json(doc))
    assert msg == ("namespace default: container c1: spec: JSON nested deeper than 64 "
                   "levels: invalid argument")
