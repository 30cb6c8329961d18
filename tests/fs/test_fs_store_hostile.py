"""The mount on a store it should not trust as it is: records no ctrfs wrote (a
watcher path, a spec nested deeper than any write may nest), a store another user owns
or could write, a store removed while mounted."""
import os
import re
import shutil
import struct
import subprocess
import time

import pytest

from fstest import SPEC_TYPE_URL, Mount

NOBODY = 65534


def lmdb_put(store, table, key: bytes, value: bytes):
    """Writes one raw record into a table of a store with LMDB's own mdb_load, as a
    hostile or older writer could."""
    def esc(b):
        return "".join(chr(c) if chr(c).isalnum() else "\\%02x" % c for c in b)
    subprocess.run(["mdb_load", "-T", "-s", table, str(store)], check=True,
                   input=f"{esc(key)}\n{esc(value)}\n", text=True)


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def run_ctrfs(m, *args):
    """The daemon run to its end (it refuses to start): status and what it said."""
    p = subprocess.run([str(m.exe), "-f", *args, str(m.store), str(m.mnt)],
                       capture_output=True, text=True, env=m.env, timeout=30)
    return p.returncode, p.stderr


# ---- watcher records ----

def test_a_recorded_watcher_path_is_never_unlinked(store_only, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("root's\n")
    victim.chmod(0o600)
    lmdb_put(store_only.store, "meta", b"watch/%d" % dead_pid(), str(victim).encode())
    m = store_only.start("-o", "ro")  # registering drops the records of the gone
    m.stop()
    m = store_only.start()
    m.ctl("c", "label", "c1", "a=1")
    m.ok("echo v > default/c1/image")
    m.stop()
    assert victim.read_text() == "root's\n"


def test_a_file_at_a_watcher_socket_name_that_is_no_socket_stays(store_only):
    pid = dead_pid()
    planted = store_only.store / f"watch-{pid}.sock"
    planted.write_text("not a socket\n")
    lmdb_put(store_only.store, "meta", b"watch/%d" % pid, str(planted).encode())
    m = store_only.start()
    m.ctl("c", "label", "c1", "a=1")
    m.stop()
    assert planted.read_text() == "not a socket\n"


# ---- whose store ----

@pytest.mark.parametrize("opts", [[], ["-o", "ro"]])
def test_root_does_not_mount_a_store_another_user_owns(store_only, opts):
    for p in [store_only.store, *store_only.store.iterdir()]:
        os.lchown(p, NOBODY, NOBODY)
    status, err = run_ctrfs(store_only, *opts)
    assert status != 0
    assert (f"store {store_only.store}: owned by uid {NOBODY}, not by root: refusing "
            "another user's store as root") in err, err
    assert not os.path.ismount(store_only.mnt)


@pytest.mark.parametrize("mode", [0o720, 0o702])
def test_a_store_writable_by_others_is_not_mounted(store_only, mode):
    store_only.store.chmod(mode)
    status, err = run_ctrfs(store_only)
    assert status != 0
    assert (f"store {store_only.store}: writable by group or others (mode {mode:04o}): "
            "refusing it (chmod go-w)") in err, err


# ---- a store removed while mounted ----

def test_writes_fail_once_the_store_is_removed(mnt):
    mnt.expect(r"^ctrfs: refused \w+ /default/c1/image: store .*/store was removed or "
               r"replaced while open: reopen it \(remount\) \(ESTALE\)$")
    shutil.rmtree(mnt.store)
    r = mnt.sh("echo v > default/c1/image")
    assert r.status != 0 and "Stale file handle" in r.err, r
    # a new store at the same path is a store of its own
    mnt.ctl("c", "create", "c9")
    assert mnt.ctl("c", "ls", "-q").out.split() == [b"c9"]


def test_writes_fail_once_the_store_is_replaced(mnt, tmp_path):
    mnt.expect(r"^ctrfs: refused \w+ /default/c1/labels/k: store .* was removed or "
               r"replaced while open")
    mnt.store.rename(tmp_path / "old-store")
    mnt.ctl("c", "create", "c9")
    mnt.fails("echo v > default/c1/labels/k", "Stale file handle")
    old = mnt.ctl("--store", tmp_path / "old-store", "c", "info", "c1").out
    assert b'"k"' not in old


# ---- JSON nested deeper than any write may nest ----

def any_record(type_url: bytes, value: bytes) -> bytes:
    return (struct.pack("<I", len(type_url)) + type_url + struct.pack("<I", len(value)) +
            value)


def test_a_deep_stored_spec_renders_bounded(store_only):
    depth = 3000
    spec = b'{"a":' * depth + b"1" + b"}" * depth
    lmdb_put(store_only.store, "specs", b"default\0c1",
             any_record(SPEC_TYPE_URL.encode(), spec))
    m = store_only.start()
    for name, limit in (("spec.json", 64 * 1024), ("container.json", 64 * 1024)):
        text = m.read(f"default/c1/{name}")
        assert len(text) < limit, f"{name}: {len(text)} bytes"
        assert os.stat(m.path(f"default/c1/{name}")).st_size == len(text)
    text = m.read("default/c1/spec.json")
    assert re.sub(rb"\s", b"", text) == spec
    # the first 64 levels are indented as ctr does, deeper ones compact
    lines = text.split(b"\n")
    assert lines[1] == b'    "a": {'
    assert lines[64] == b" " * 4 * 64 + b'"a": ' + b'{"a":' * (depth - 64) + b"1" + \
        b"}" * (depth - 64)
    m.stop()
