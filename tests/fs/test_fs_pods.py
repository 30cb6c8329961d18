"""MOUNT/<ns>/.pods/<pod-namespace>/<pod-name>/: pods as symlinks to their sandboxes and
containers, through a real mount of the CRI fixture (tests/data/cri/set-d), checked
against CRI's recorded answers (pods, attempts and containers are read from them)."""
import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from fstest import Mount

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))

DATA = Path(__file__).resolve().parents[1] / "data" / "cri" / "set-d"
NS = "k8s.io"


def final(name):
    return json.loads((DATA / "cri" / "final" / name).read_text())


SANDBOXES = final("list-pod-sandbox.json")["items"]
CONTAINERS = final("list-containers.json")["containers"]


def pods():
    """{(namespace, name): [sandboxes, newest first]}"""
    out = defaultdict(list)
    for s in SANDBOXES:
        out[(s["metadata"]["namespace"], s["metadata"]["name"])].append(s)
    for v in out.values():
        v.sort(key=lambda s: -int(s["created_at"]))
    return out


def latest_containers(sandboxes):
    """{container name: id of its latest attempt} of a pod's sandboxes (newest first)."""
    order = {s["id"]: i for i, s in enumerate(sandboxes)}
    best = {}
    for c in CONTAINERS:
        if c["pod_sandbox_id"] not in order:
            continue
        key = (-order[c["pod_sandbox_id"]], c["metadata"].get("attempt", 0), int(c["created_at"]))
        name = c["metadata"]["name"]
        if name not in best or key > best[name][0]:
            best[name] = (key, c["id"])
    return {n: v[1] for n, v in best.items()}


@pytest.fixture
def k8s(tmp_path):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", DATA / "meta.db")
    m.start("-o", f"cri_root={DATA / 'cri' / 'root'}")
    yield m
    m.stop()


def target(m, rel):
    """Where a symlink of the mount leads, as a path relative to the mount."""
    return os.path.relpath(os.path.realpath(m.path(rel)), m.mnt)


def test_every_pod_by_namespace_and_name(k8s):
    want = pods()
    assert set(k8s.ok(f"ls {NS}/.pods").split()) == {ns for ns, _ in want}
    for ns in {ns for ns, _ in want}:
        assert set(k8s.ok(f"ls {NS}/.pods/{ns}").split()) == {n for s, n in want if s == ns}
    for (ns, name) in want:
        assert sorted(k8s.ok(f"ls {NS}/.pods/{ns}/{name}").split()) == [
            "attempts", "containers", "sandbox"]


def test_sandbox_attempts_and_containers_link_to_their_records(k8s):
    for (ns, name), sandboxes in pods().items():
        d = f"{NS}/.pods/{ns}/{name}"
        assert target(k8s, f"{d}/sandbox") == f"{NS}/{sandboxes[0]['id']}"
        assert k8s.text(f"{d}/sandbox/cri/name") == name + "\n"
        attempts = {str(s["metadata"].get("attempt", 0)): s["id"] for s in reversed(sandboxes)}
        assert set(k8s.ok(f"ls {d}/attempts").split()) == set(attempts)
        for n, sid in attempts.items():
            assert target(k8s, f"{d}/attempts/{n}") == f"{NS}/{sid}"
        want = latest_containers(sandboxes)
        assert set(k8s.ok(f"ls {d}/containers").split()) == set(want)
        for cname, cid in want.items():
            assert target(k8s, f"{d}/containers/{cname}") == f"{NS}/{cid}"
            assert k8s.text(f"{d}/containers/{cname}/cri/name") == cname + "\n"
    # a re-created pod: attempt 1 is the latest; a restarted container: its attempt 1
    assert any(len(s) > 1 for s in pods().values())
    assert any(c["metadata"].get("attempt", 0) > 0 for c in CONTAINERS)


def test_pods_are_hidden_from_listings_find_and_grep(k8s):
    assert ".pods" not in k8s.ok(f"ls -a {NS}").split()
    assert "/.pods" not in k8s.ok(f"find {NS}")
    hits = k8s.ok(f"grep -rl . {NS} --include=name").split()
    assert hits and not any("/.pods" in h for h in hits)
    # the view itself holds only directories and symlinks: nothing to read twice
    assert k8s.ok(f"find {NS}/.pods -type f") == ""
    assert k8s.ok(f"find {NS}/.pods -type l | wc -l").strip() != "0"
    # namespaces without CRI records have an empty view
    assert k8s.ok("ls -A default/.pods") == ""


def test_pods_follow_the_records(k8s):
    # a pod with a restarted container (a later attempt in the same pod)
    restarted = None
    for (ns, name), sandboxes in pods().items():
        ids = {s["id"] for s in sandboxes}
        for cname, cid in latest_containers(sandboxes).items():
            older = [c["id"] for c in CONTAINERS if c["metadata"]["name"] == cname
                     and c["id"] != cid and c["pod_sandbox_id"] in ids]
            if older:
                restarted = (ns, name, sandboxes, cname, cid)
    assert restarted, "the fixture restarts a container"
    ns, name, sandboxes, cname, cid = restarted
    d = f"{NS}/.pods/{ns}/{name}"
    assert target(k8s, f"{d}/containers/{cname}") == f"{NS}/{cid}"
    k8s.ctl("c", "rm", cid, ns=NS)
    # the previous attempt is the latest now, at once
    rest = [c for c in CONTAINERS if c["id"] != cid]
    order = {s["id"]: i for i, s in enumerate(sandboxes)}
    prev = max((c for c in rest if c["metadata"]["name"] == cname
                and c["pod_sandbox_id"] in order),
               key=lambda c: (-order[c["pod_sandbox_id"]], c["metadata"].get("attempt", 0),
                              int(c["created_at"])))
    assert target(k8s, f"{d}/containers/{cname}") == f"{NS}/{prev['id']}"
    # the pod goes with its last sandbox
    for s in sandboxes:
        k8s.ctl("c", "rm", s["id"], ns=NS)
    k8s.fails(f"ls {d}", "No such file or directory")
    assert name not in k8s.ok(f"ls {NS}/.pods/{ns} 2>/dev/null; true").split()


def test_pods_view_is_read_only(k8s):
    (ns, name), _ = next(iter(pods().items()))
    d = f"{NS}/.pods/{ns}/{name}"
    why = r"\.pods/ is read-only: containerd's CRI plugin owns these records \(EROFS\)"
    with k8s.unchanged():
        k8s.fails(f"mkdir {d}/x", "Read-only file system")
        k8s.expect(rf"refused mkdir /{d}/x: {why}")
        k8s.fails(f"touch {d}/containers/new", "Read-only file system")
        k8s.expect(rf"refused create /{d}/containers/new: {why}")
        k8s.fails(f"rm {d}/sandbox", "Read-only file system")
        k8s.expect(rf"refused unlink /{d}/sandbox: {why}")
        k8s.fails(f"rmdir {d}/attempts", "Read-only file system")
        k8s.expect(rf"refused rmdir /{d}/attempts: {why}")
        k8s.fails(f"mv {d}/sandbox {d}/other", "Read-only file system")
        k8s.expect(rf"refused rename /{d}/other: {why}")
        k8s.fails(f"ln -s x {d}/link", "Operation not permitted")
        k8s.expect(rf"refused symlink /{d}/link: symbolic links are not supported")
