"""Which store ctrfsctl opens and what it says when it cannot: a store is only made by
`init` or an import (and that is said), a missing or unreadable one is an error that
names the cause; an import keeps a progress line on a terminal and is quiet elsewhere."""
import json
import os
import pty
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from storetest import Ctl, big_import, info_doc

NOBODY = 65534


def missing_message(path):
    return f"store {path} does not exist; create it with 'ctrfsctl init {path}'"


@pytest.mark.parametrize("args", [["containers", "create", "web"],
                                  ["containers", "label", "web", "a=1"],
                                  ["containers", "update", "--image", "x", "web"],
                                  ["containers", "rm", "web"],
                                  ["namespaces", "create", "team"],
                                  ["namespaces", "label", "team", "a=1"],
                                  ["namespaces", "rm", "team"]])
def test_a_write_to_a_missing_store_creates_nothing(no_store, args):
    assert no_store.error(*args) == missing_message(no_store.store)
    assert not no_store.store.exists()


def test_a_directory_without_a_store_is_not_made_one(no_store):
    no_store.store.mkdir()
    assert no_store.error("containers", "create", "web") == missing_message(no_store.store)
    assert list(no_store.store.iterdir()) == []


def test_init_creates_a_store_and_says_so(no_store):
    r = no_store("init")
    assert r == (0, "", f"ctrfsctl: created a new store {no_store.store}\n")
    assert no_store.ok("containers", "create", "web") == "web\n"
    assert no_store("init") == (0, "", "")  # an existing store is left as it is
    assert no_store.ids() == ["web"]


def test_init_takes_the_directory_as_argument(ctrfsctl, tmp_path):
    r = subprocess.run([str(ctrfsctl), "init", str(tmp_path / "s")], capture_output=True,
                       text=True)
    assert r.returncode == 0, r
    assert Ctl(ctrfsctl, tmp_path / "s").ok("containers", "ls", "-q") == ""


def test_import_into_a_missing_store_creates_it_and_says_so(no_store, write_json):
    doc = write_json(info_doc("web"))
    r = no_store("import", doc)
    assert r.status == 0, r
    assert r.stderr.splitlines() == [f"ctrfsctl: created a new store {no_store.store}",
                                     "1 created, 0 replaced, 0 skipped, 1 new namespaces"]
    assert no_store.ids() == ["web"]


def test_a_failed_import_leaves_no_new_store(no_store, write_json):
    assert no_store.error("import", write_json("{")).startswith("import: ")
    assert not no_store.store.exists()
    bad = write_json(info_doc("no way"))
    no_store.error("import", bad)
    assert not no_store.store.exists()


# ---- permissions ----

@pytest.fixture
def root_store(ctrfsctl):
    """A store of root's in a directory every user may enter."""
    d = Path(tempfile.mkdtemp(prefix="ctrfs-perm-"))
    d.chmod(0o755)
    ctl = Ctl(ctrfsctl, d / "store").init()
    ctl.ok("containers", "create", "web")
    yield ctl
    shutil.rmtree(d, ignore_errors=True)


def as_nobody(ctl, *args):
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                           "--clear-groups", *ctl.argv(args)], capture_output=True,
                          text=True, env=ctl.env, timeout=60)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
@pytest.mark.parametrize("dir_mode", [0o700, 0o755])
@pytest.mark.parametrize("args", [["containers", "ls"], ["containers", "create", "x"],
                                  ["export"], ["events", "--no-follow"]])
def test_a_store_that_may_not_be_read_is_permission_denied(root_store, dir_mode, args):
    root_store.store.chmod(dir_mode)
    r = as_nobody(root_store, *args)
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", f"ctrfsctl: {root_store.store}: Permission denied\n")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_check_of_a_store_that_may_not_be_read_is_status_3(root_store):
    root_store.store.chmod(0o755)
    r = as_nobody(root_store, "check")
    assert (r.returncode, r.stderr) == (3, f"ctrfsctl: {root_store.store}: Permission denied\n")


# ---- progress ----

def run_in_pty(argv, env):
    """Runs argv with its stdin, stdout and stderr on a terminal; returns (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode()


def test_a_long_import_keeps_a_progress_line_on_a_terminal(ctl, write_json):
    doc = write_json(big_import(1200))
    status, out = run_in_pty(ctl.argv(["import", doc]), ctl.env)
    assert status == 0, out
    assert "\rimporting: 500/1200 containers" in out
    assert "\rimporting: 1200/1200 containers" in out
    assert out.endswith("\r\n1200 created, 0 replaced, 0 skipped, 1 new namespaces\r\n")
    assert len(ctl.ids(ns="big")) == 1200


def test_an_import_off_a_terminal_prints_only_its_summary(ctl, write_json):
    r = ctl("import", write_json(big_import(1200)))
    assert (r.status, r.stdout) == (0, "")
    assert r.stderr == "1200 created, 0 replaced, 0 skipped, 1 new namespaces\n"
