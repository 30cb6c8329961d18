"""ctrfsctl and a running containerd without a mount: `bind`, `unbind`, `sync` and the
global `--containerd[=ADDRESS]` (issue 13), against a private containerd and the real
`ctr`."""
import json
import os
import subprocess
import time
import sys
from pathlib import Path

from ctrdtest import BUILD_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fs"))
from fstest import SLOW, clean_env  # noqa: E402

CTL = BUILD_DIR / "tools" / "ctrfsctl"


def ctl(store, *args, ns=None, env=None):
    argv = [str(CTL), "--store", str(store)] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60 * SLOW,
                          env={**clean_env(), **(env or {})})


def ok(store, *args, **kw):
    r = ctl(store, *args, **kw)
    assert r.returncode == 0, f"ctrfsctl {args}: {r.stderr}"
    return r


def make(containerd, ns, cid, *labels):
    args = ["c", "create"]
    for kv in labels:
        args += ["--label", kv]
    containerd.ctr(*args, "--rootfs", containerd.make_rootfs(), cid, "/bin/true", ns=ns)


def labels_in_ctr(containerd, ns, cid):
    return json.loads(containerd.ctr("c", "info", cid, ns=ns).stdout)["Labels"]


def test_bind_makes_a_new_store_the_mirror(containerd, ns, tmp_path):
    make(containerd, ns, "web", "app=web")
    store = tmp_path / "mirror"
    r = ok(store, "bind", containerd.sock)
    assert f"created a new store {store}, bound to containerd at {containerd.sock}" \
        in r.stderr
    assert f"synced with containerd at {containerd.sock}" in r.stderr
    assert ok(store, "c", "ls", "-q", ns=ns).stdout == "web\n"
    # ctrfsctl's info is ctr's, byte for byte: containerd's record was stored as it is
    assert ok(store, "c", "info", "web", ns=ns).stdout == \
        containerd.ctr("c", "info", "web", ns=ns).stdout
    # writes through the bound store reach containerd
    ok(store, "c", "label", "web", "by=ctl", ns=ns)
    assert labels_in_ctr(containerd, ns, "web")["by"] == "ctl"


def test_bind_refuses_a_store_with_records_of_its_own(containerd, ns, tmp_path):
    store = tmp_path / "own"
    ok(store, "init")
    ok(store, "c", "create", "mine", ns=ns)
    r = ctl(store, "bind", containerd.sock)
    assert r.returncode == 1
    assert "holds namespaces of its own" in r.stderr and "--replace" in r.stderr
    # nothing changed: still unbound, the record kept
    assert ok(store, "c", "ls", "-q", ns=ns).stdout == "mine\n"
    ok(store, "c", "label", "mine", "still=local", ns=ns)
    assert "mine" not in containerd.ctr("c", "ls", "-q", ns=ns).stdout
    # --replace binds it: the store then holds what containerd holds
    make(containerd, ns, "theirs")
    ok(store, "bind", "--replace", containerd.sock)
    assert ok(store, "c", "ls", "-q", ns=ns).stdout == "theirs\n"


def test_bind_to_an_unreachable_containerd_changes_nothing(tmp_path):
    gone = str(tmp_path / "nobody.sock")
    store = tmp_path / "new"
    r = ctl(store, "bind", gone)
    assert r.returncode == 1 and f"containerd unreachable at {gone}" in r.stderr, r
    assert not store.exists()  # the store it made for the binding is removed again
    # an existing store stays unbound
    ok(store, "init")
    r = ctl(store, "bind", gone)
    assert r.returncode == 1 and f"containerd unreachable at {gone}" in r.stderr
    ok(store, "c", "create", "local")  # unbound: a local write works
    assert ok(store, "c", "ls", "-q").stdout == "local\n"


def test_global_containerd_option_syncs_before_the_command(containerd, ns, tmp_path):
    store = tmp_path / "m"
    make(containerd, ns, "a", "x=1")
    r = ok(store, f"--containerd={containerd.sock}", "c", "ls", "-q", ns=ns)
    assert r.stdout == "a\n"
    # a change by ctr, then the next command with --containerd sees it
    containerd.ctr("c", "label", "a", "x=2", ns=ns)
    make(containerd, ns, "b")
    r = ok(store, f"--containerd={containerd.sock}", "c", "ls", "-q", ns=ns)
    assert r.stdout == "a\nb\n"
    assert ok(store, "c", "info", "a", ns=ns).stdout == \
        containerd.ctr("c", "info", "a", ns=ns).stdout
    # -a and $CONTAINERD_ADDRESS choose the address as with ctr
    store2 = tmp_path / "m2"
    r = ok(store2, "-a", containerd.sock, "--containerd", "c", "ls", "-q", ns=ns)
    assert r.stdout == "a\nb\n"
    store3 = tmp_path / "m3"
    r = ok(store3, "--containerd", "c", "ls", "-q", ns=ns,
           env={"CONTAINERD_ADDRESS": containerd.sock})
    assert r.stdout == "a\nb\n"


def test_sync_brings_the_store_up_to_date_and_unbind_stops_writing_through(
        containerd, ns, tmp_path):
    store = tmp_path / "s"
    make(containerd, ns, "keep", "v=1")
    make(containerd, ns, "gone")
    ok(store, "bind", containerd.sock)
    containerd.ctr("c", "rm", "gone", ns=ns)
    containerd.ctr("c", "label", "keep", "v=2", ns=ns)
    r = ok(store, "sync")
    assert "removed" in r.stderr
    assert ok(store, "c", "ls", "-q", ns=ns).stdout == "keep\n"
    assert ok(store, "c", "info", "keep", ns=ns).stdout == \
        containerd.ctr("c", "info", "keep", ns=ns).stdout
    ok(store, "unbind")
    ok(store, "c", "label", "keep", "v=local", ns=ns)
    assert labels_in_ctr(containerd, ns, "keep")["v"] == "2"
    r = ctl(store, "sync")
    assert r.returncode == 1 and "is not bound to containerd" in r.stderr


def test_import_into_a_bound_store_is_refused(containerd, ns, tmp_path):
    make(containerd, ns, "c1")
    src = tmp_path / "src"
    ok(src, "init")
    ok(src, "c", "create", "imported", ns=ns)
    doc = ok(src, "export").stdout
    store = tmp_path / "bound"
    ok(store, "bind", containerd.sock)
    before = ok(store, "export").stdout
    r = subprocess.run([str(CTL), "--store", str(store), "import", "-"], input=doc,
                       capture_output=True, text=True, timeout=60 * SLOW, env=clean_env())
    assert r.returncode == 1 and "is bound to containerd: an import would change the mirror" \
        in r.stderr, r
    assert ok(store, "export").stdout == before
    assert "imported" not in containerd.ctr("c", "ls", "-q", ns=ns).stdout


def test_pods_ls_of_a_bound_store_takes_a_sandboxs_state_from_its_task(containerd, tmp_path):
    # a sandbox as CRI makes one: a container with CRI's metadata extension and a task
    ns = f"pods{os.getpid()}"
    containerd.ctr("run", "-d", "--rootfs", "--label", "io.cri-containerd.kind=sandbox",
                   containerd.make_rootfs(), "sb1", "/bin/sleep", "300", ns=ns)
    store = tmp_path / "s"
    ok(store, "bind", containerd.sock)
    meta = json.dumps({"Version": "v1", "Metadata": {
        "ID": "sb1", "Name": "web_prod_u1_0", "RuntimeHandler": "runc",
        "Config": {"metadata": {"name": "web", "namespace": "prod", "uid": "u1"}}}})
    ok(store, "c", "update", "--extension",
       f"io.cri-containerd.sandbox.metadata=github.com/containerd/cri/pkg/store/sandbox/"
       f"Metadata={meta}", "sb1", ns=ns)

    def state():
        rows = ok(store, "pods", "ls", "--cri-root", tmp_path / "none", ns=ns).stdout
        return rows.splitlines()[1].split()[-5]  # STATE, before NAME NAMESPACE ATTEMPT RUNTIME

    assert state() == "Ready"
    containerd.ctr("t", "kill", "-s", "KILL", "sb1", ns=ns)
    for _ in range(int(100 * SLOW)):
        if "STOPPED" in containerd.ctr("t", "ls", ns=ns).stdout:
            break
        time.sleep(0.05)
    ok(store, "sync")
    assert state() == "NotReady"
    containerd.ctr("t", "rm", "sb1", ns=ns)
    ok(store, "sync")
    assert state() == "NotReady"
