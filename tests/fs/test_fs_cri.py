"""The read-only cri/ directory of pod sandboxes and Kubernetes containers, through a real
mount of the CRI fixture (tests/data/cri/set-d: meta.db written by containerd's own CRI
plugin, its status files, CRI's recorded answers). Every field is compared with what
CRI itself answered; ids and names are read from the answers, never written here."""
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fstest import Mount

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))

DATA = Path(__file__).resolve().parents[1] / "data" / "cri" / "set-d"
NS = "k8s.io"


def answers(kind):
    """CRI's final answers: {id: {"status": ..., "info": ...}} for "container-status" or
    "pod-sandbox-status"."""
    out = {}
    for f in sorted((DATA / "cri" / "final" / kind).glob("*.json")):
        d = json.loads(f.read_text())
        out[f.stem] = {"status": d["response"]["status"], "info": d["info_decoded"]["info"]}
    return out


CONTAINERS = answers("container-status")
SANDBOXES = answers("pod-sandbox-status")


def rfc3339_ns(text):
    """ctrfs's time text (Go's RFC3339Nano, UTC) as Unix nanoseconds; "" is 0 (never)."""
    if not text:
        return 0
    assert text.endswith("Z"), text
    base, _, frac = text[:-1].partition(".")
    sec = int(datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
              .timestamp())
    return sec * 10**9 + int((frac or "0").ljust(9, "0"))


@pytest.fixture
def cri_root(tmp_path):
    """A copy of the fixture's CRI root, for tests that change it."""
    root = tmp_path / "cri-root"
    shutil.copytree(DATA / "cri" / "root", root)
    return root


@pytest.fixture
def k8s(tmp_path, cri_root):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", DATA / "meta.db")
    m.start("-o", f"cri_root={cri_root}")
    yield m
    m.stop()


def value(m, rel):
    text = m.text(rel)
    assert text.endswith("\n"), (rel, text)
    return text[:-1]


def test_cri_directory_exactly_for_cri_records(k8s):
    ids = set(k8s.ok(f"ls {NS}").split())
    with_cri = {i for i in ids if (k8s.path(f"{NS}/{i}/cri")).is_dir()}
    assert with_cri == set(CONTAINERS) | set(SANDBOXES)
    listed = {i for i in ids if "cri" in k8s.ok(f"ls {NS}/{i}").split()}
    assert listed == with_cri
    # plain ctr containers carry no CRI metadata: no cri/ at all
    for i in k8s.ok("ls default").split():
        assert "cri" not in k8s.ok(f"ls default/{i}").split()
        k8s.fails(f"ls default/{i}/cri", "No such file or directory")


def test_container_fields_agree_with_container_status(k8s):
    for cid, a in CONTAINERS.items():
        st, info = a["status"], a["info"]
        d = f"{NS}/{cid}/cri"
        assert sorted(k8s.ok(f"ls {d}").split()) == sorted(
            ["kind", "name", "config.json", "attempt", "sandbox_id", "image_ref", "log_path",
             "stop_signal", "status"])
        assert value(k8s, f"{d}/kind") == "container"
        assert value(k8s, f"{d}/name") == st["metadata"]["name"]
        assert value(k8s, f"{d}/attempt") == str(st["metadata"].get("attempt", 0))
        assert value(k8s, f"{d}/sandbox_id") == info["sandboxID"]
        assert value(k8s, f"{d}/image_ref") == st["image_ref"]
        assert value(k8s, f"{d}/log_path") == st["log_path"]
        # CRI takes the stop signal from the image config, as containerd's image label
        label = k8s.path(f"{NS}/{cid}/labels/io.containerd.image.config.stop-signal")
        if label.exists():
            assert value(k8s, f"{d}/stop_signal") == value(k8s, str(label.relative_to(k8s.mnt)))
        # the config, member for member as CRI reports it (jq reads it as JSON)
        assert json.loads(k8s.ok(f"jq -c . {d}/config.json")) == info["config"]
        assert k8s.text(f"{d}/config.json").startswith("{\n    \"metadata\": {")


def test_container_status_agrees_with_container_status(k8s):
    states = {}
    for cid, a in CONTAINERS.items():
        st, info = a["status"], a["info"]
        d = f"{NS}/{cid}/cri/status"
        assert sorted(k8s.ok(f"ls {d}").split()) == sorted(
            ["pid", "state", "exit_code", "started_at", "finished_at", "reason", "message"])
        state = value(k8s, f"{d}/state")
        states[cid] = state
        assert "CONTAINER_" + state.upper() == st["state"], cid
        assert value(k8s, f"{d}/exit_code") == str(st.get("exit_code", 0))
        assert value(k8s, f"{d}/pid") == str(info["pid"])
        assert rfc3339_ns(value(k8s, f"{d}/started_at")) == int(st.get("started_at", 0))
        assert rfc3339_ns(value(k8s, f"{d}/finished_at")) == int(st.get("finished_at", 0))
        assert value(k8s, f"{d}/reason") == st.get("reason", "")
        assert value(k8s, f"{d}/message") == st.get("message", "")
    assert {"exited", "created"} <= set(states.values())


def test_sandbox_fields_agree_with_pod_sandbox_status(k8s):
    live = {f.stem: json.loads(f.read_text())["response"]["status"]
            for f in (DATA / "cri" / "live" / "pod-sandbox-status").glob("*.json")}
    for sid, a in SANDBOXES.items():
        st, info = a["status"], a["info"]
        d = f"{NS}/{sid}/cri"
        assert sorted(k8s.ok(f"ls {d}").split()) == sorted(
            ["kind", "name", "config.json", "attempt", "namespace", "uid", "runtime_handler",
             "netns_path", "ip"])
        assert value(k8s, f"{d}/kind") == "sandbox"
        assert value(k8s, f"{d}/name") == st["metadata"]["name"]
        assert value(k8s, f"{d}/namespace") == st["metadata"]["namespace"]
        assert value(k8s, f"{d}/uid") == st["metadata"]["uid"]
        assert value(k8s, f"{d}/attempt") == str(st["metadata"].get("attempt", 0))
        assert value(k8s, f"{d}/runtime_handler") == st["runtime_handler"]
        # the IP CRI reported while the sandbox was ready (a stopped one reports none)
        assert value(k8s, f"{d}/ip") == live[sid]["network"]["ip"]
        netns = [n.get("path", "") for n in info["runtimeSpec"]["linux"]["namespaces"]
                 if n["type"] == "network"]
        assert value(k8s, f"{d}/netns_path") == (netns[0] if netns else "")
        assert json.loads(k8s.ok(f"jq -c . {d}/config.json")) == info["config"]
        # a sandbox has no status file: its state is its task's
        assert not k8s.path(f"{d}/status").exists()


def test_find_and_grep_walk_the_cri_view_once(k8s):
    kinds = k8s.ok(f"find {NS} -path '*/cri/kind' | sort").split()
    assert len(kinds) == len(CONTAINERS) + len(SANDBOXES)
    exited = {c for c, a in CONTAINERS.items() if a["status"]["state"] == "CONTAINER_EXITED"}
    hits = k8s.ok(f"grep -rlx exited {NS} --include=state").split()
    assert {Path(h).parts[1] for h in hits} == exited and len(hits) == len(exited)
    sandboxes = k8s.ok(f"grep -rlx sandbox {NS} --include=kind").split()
    assert {Path(h).parts[1] for h in sandboxes} == set(SANDBOXES)


def test_status_files_are_read_anew_at_each_open(k8s, cri_root):
    cid = next(c for c, a in CONTAINERS.items() if a["status"]["state"] == "CONTAINER_EXITED")
    d = f"{NS}/{cid}/cri/status"
    status = cri_root / "containers" / cid / "status"
    assert value(k8s, f"{d}/state") == "exited"
    doc = json.loads(status.read_text())
    doc.update(FinishedAt=0, Pid=4242, ExitCode=0)
    status.write_text(json.dumps(doc))
    assert value(k8s, f"{d}/state") == "running"
    assert value(k8s, f"{d}/pid") == "4242"
    assert value(k8s, f"{d}/finished_at") == ""
    assert k8s.ok(f"stat -c %s {d}/pid") == "5\n"
    # gone (CRI removes the directory with the container): CRI's unknown
    shutil.rmtree(status.parent)
    assert value(k8s, f"{d}/state") == "unknown"
    assert value(k8s, f"{d}/pid") == "0"
    # no CRI root at all: no status/ directory
    shutil.rmtree(cri_root)
    assert "status" not in k8s.ok(f"ls {NS}/{cid}/cri").split()
    k8s.fails(f"cat {d}/state", "No such file or directory")
    assert value(k8s, f"{NS}/{cid}/cri/kind") == "container"


def test_unreadable_cri_root_means_no_status(tmp_path):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", DATA / "meta.db")
    m.start("-o", f"cri_root={tmp_path / 'nowhere'}")
    try:
        cid = next(iter(CONTAINERS))
        assert "status" not in m.ok(f"ls {NS}/{cid}/cri").split()
        assert m.text(f"{NS}/{cid}/cri/kind") == "container\n"
    finally:
        m.stop()


def test_relative_cri_root_is_taken_from_the_start_directory(tmp_path):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", DATA / "meta.db")
    rel = os.path.relpath(DATA / "cri" / "root")
    m.start("-o", f"cri_root={rel}")
    try:
        cid = next(iter(CONTAINERS))
        assert m.text(f"{NS}/{cid}/cri/status/state") != ""
    finally:
        m.stop()


def test_cri_view_is_read_only(k8s):
    cid = next(iter(CONTAINERS))
    d = f"{NS}/{cid}/cri"
    why = r"cri/ is read-only: containerd's CRI plugin owns these records \(EROFS\)"
    with k8s.unchanged():
        k8s.fails(f"echo x > {d}/name", "Read-only file system")
        k8s.expect(rf"refused open /{d}/name: {why}")
        k8s.fails(f"truncate -s 0 {d}/kind", "Read-only file system")
        k8s.expect(rf"refused open /{d}/kind: {why}")
        k8s.fails(f"rm {d}/attempt", "Read-only file system")
        k8s.expect(rf"refused unlink /{d}/attempt: {why}")
        k8s.fails(f"touch {d}/new", "Read-only file system")
        k8s.expect(rf"refused create /{d}/new: {why}")
        k8s.fails(f"mkdir {d}/sub", "Read-only file system")
        k8s.expect(rf"refused mkdir /{d}/sub: {why}")
        k8s.fails(f"rmdir {d}/status", "Read-only file system")
        k8s.expect(rf"refused rmdir /{d}/status: {why}")
        k8s.fails(f"mv {d}/name {d}/other", "Read-only file system")
        k8s.expect(rf"refused rename /{d}/other: {why}")
        k8s.fails(f"mv {d}/name {NS}/{cid}/name.bak", "Read-only file system")
        k8s.expect(rf"refused rename /{d}/name: {why}")
        k8s.fails(f"echo x > {NS}/{cid}/x.tmp && mv {NS}/{cid}/x.tmp {d}/name",
                  "Read-only file system")
        k8s.fails(f"echo 1 > {d}/status/pid", "Read-only file system")
        k8s.expect(rf"refused open /{d}/status/pid: {why}")
    assert k8s.ok(f"stat -c %a {d} {d}/name {d}/status {d}/status/state").split() == [
        "555", "444", "555", "444"]


def test_cri_directory_follows_the_extension(k8s):
    cid = next(iter(CONTAINERS))
    ext = "io.cri-containerd.container.metadata"
    raw = k8s.ctl("c", "info", cid, ns=NS).out
    value_b64 = json.loads(raw)["Extensions"][ext]["value"]
    k8s.ctl("c", "update", "--remove-extension", ext, cid, ns=NS)
    assert "cri" not in k8s.ok(f"ls {NS}/{cid}").split()
    k8s.fails(f"cat {NS}/{cid}/cri/kind", "No such file or directory")
    # added to a plain container, the view appears at once
    blob = k8s.store.parent / "meta.json"
    import base64
    blob.write_bytes(base64.b64decode(value_b64))
    k8s.ctl("c", "update", "--extension",
            f"{ext}=github.com/containerd/cri/pkg/store/container/Metadata=@{blob}",
            "ops-sleeper", ns="default")
    assert "cri" in k8s.ok("ls default/ops-sleeper").split()
    assert value(k8s, "default/ops-sleeper/cri/kind") == "container"
    assert value(k8s, "default/ops-sleeper/cri/name") == CONTAINERS[cid]["status"]["metadata"]["name"]


def test_undecodable_metadata_reads_as_an_error_with_its_reason(k8s):
    blob = k8s.store.parent / "bad.json"
    blob.write_text('{"Version":"v1","Metadata":{"Config":{"metadata":{"attempt":-1}}}}')
    k8s.ctl("c", "update", "--extension",
            "io.cri-containerd.sandbox.metadata=x/Metadata=@" + str(blob), "cron-sleeper",
            ns="default")
    assert "cri" in k8s.ok("ls default/cron-sleeper").split()
    k8s.fails("cat default/cron-sleeper/cri/kind", "Input/output error")
    k8s.expect(r'refused read /default/cron-sleeper/cri/kind: container "cron-sleeper": '
               r"CRI sandbox metadata: attempt -1 is out of range \(EIO\)")
