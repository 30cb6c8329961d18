"""`ctrfsctl pods ls` / `pods ps`: the CRI plugin's records as crictl lists them, checked
against CRI's own answers recorded in the CRI fixture (tests/data/cri/set-d): every id,
name, namespace, attempt, runtime handler, container state and pod id must agree."""
import json
import re
import shutil

import pytest

CRI_STATE = {"CONTAINER_CREATED": "Created", "CONTAINER_RUNNING": "Running",
             "CONTAINER_EXITED": "Exited", "CONTAINER_UNKNOWN": "Unknown"}
POD_STATE = {"SANDBOX_READY": "Ready", "SANDBOX_NOTREADY": "NotReady"}


@pytest.fixture(scope="session")
def cri_dir(source_dir):
    return source_dir / "tests" / "data" / "cri" / "set-d"


@pytest.fixture
def k8s(ctl, cri_dir):
    """A store holding the fixture's meta.db (both its namespaces)."""
    ctl.ok("import", "--containerd", cri_dir / "meta.db")
    return ctl


def answers(cri_dir, when, name):
    return json.loads((cri_dir / "cri" / when / name).read_text())


def table(out):
    """Rows of a crictl-style table as dicts by column title (cells are separated by
    at least two spaces; a cell holds at most single spaces)."""
    lines = out.splitlines()
    head = re.split(r"\s{2,}", lines[0].strip())
    rows = [re.split(r"\s{2,}", ln.strip()) for ln in lines[1:]]
    for r in rows:
        assert len(r) == len(head), (head, r)
    return [dict(zip(head, r)) for r in rows]


def pods(ctl, root, *args):
    return table(ctl.ok("pods", "ls", "--no-trunc", "--cri-root", root, *args))


def ps(ctl, root, *args):
    return table(ctl.ok("pods", "ps", "-a", "--no-trunc", "--cri-root", root, *args))


@pytest.mark.parametrize("when, root", [("final", "root"), ("live", "root.live")])
def test_pods_ls_agrees_with_list_pod_sandbox(k8s, cri_dir, when, root):
    want = answers(cri_dir, when, "list-pod-sandbox.json")["items"]
    got = pods(k8s, cri_dir / "cri" / root)
    assert {p["POD ID"] for p in got} == {w["id"] for w in want}
    by_id = {p["POD ID"]: p for p in got}
    for w in want:
        p = by_id[w["id"]]
        assert p["NAME"] == w["metadata"]["name"]
        assert p["NAMESPACE"] == w["metadata"]["namespace"]
        assert p["ATTEMPT"] == str(w["metadata"].get("attempt", 0))
        assert p["RUNTIME"] == (w["runtime_handler"] or "(default)")
        # inferred from the containers' status files (the sandbox task is not known)
        assert p["STATE"] == POD_STATE[w["state"]], w["id"]
        assert p["CREATED"].endswith(" ago")


def test_pods_ls_newest_first(k8s, cri_dir):
    want = answers(cri_dir, "final", "list-pod-sandbox.json")["items"]
    order = [w["id"] for w in sorted(want, key=lambda w: -int(w["created_at"]))]
    assert [p["POD ID"] for p in pods(k8s, cri_dir / "cri" / "root")] == order


@pytest.mark.parametrize("when, root", [("final", "root"), ("live", "root.live")])
def test_pods_ps_agrees_with_list_containers(k8s, cri_dir, when, root):
    want = answers(cri_dir, when, "list-containers.json")["containers"]
    sandboxes = {s["id"]: s for s in answers(cri_dir, when, "list-pod-sandbox.json")["items"]}
    got = ps(k8s, cri_dir / "cri" / root)
    assert {c["CONTAINER"] for c in got} == {w["id"] for w in want}
    by_id = {c["CONTAINER"]: c for c in got}
    for w in want:
        c = by_id[w["id"]]
        assert c["NAME"] == w["metadata"]["name"]
        assert c["ATTEMPT"] == str(w["metadata"].get("attempt", 0))
        assert c["POD ID"] == w["pod_sandbox_id"]
        assert c["POD"] == sandboxes[w["pod_sandbox_id"]]["metadata"]["name"]
        assert c["STATE"] == CRI_STATE[w["state"]], w["id"]
        assert c["IMAGE"] == w["image"]["image"]
    # newest first, by CRI's created_at
    order = [w["id"] for w in sorted(want, key=lambda w: -int(w["created_at"]))]
    assert [c["CONTAINER"] for c in got] == order


def test_pods_ps_without_all_lists_running_containers(k8s, cri_dir):
    want = answers(cri_dir, "live", "list-containers.json")["containers"]
    running = {w["id"] for w in want if w["state"] == "CONTAINER_RUNNING"}
    assert running
    out = k8s.ok("pods", "ps", "-q", "--cri-root", cri_dir / "cri" / "root.live")
    assert set(out.split()) == running
    # after the pods stopped, nothing runs
    assert k8s.ok("pods", "ps", "-q", "--cri-root", cri_dir / "cri" / "root") == ""


def test_pods_ps_of_one_pod(k8s, cri_dir):
    want = answers(cri_dir, "final", "list-containers.json")["containers"]
    pod = want[0]["pod_sandbox_id"]
    out = k8s.ok("pods", "ps", "-a", "-q", "--pod", pod[:8], "--cri-root",
                 cri_dir / "cri" / "root")
    assert set(out.split()) == {w["id"] for w in want if w["pod_sandbox_id"] == pod}


def test_ids_are_truncated_as_crictl_does(k8s, cri_dir):
    rows = table(k8s.ok("pods", "ls", "--cri-root", cri_dir / "cri" / "root"))
    want = {w["id"][:13] for w in answers(cri_dir, "final", "list-pod-sandbox.json")["items"]}
    assert {r["POD ID"] for r in rows} == want
    rows = table(k8s.ok("pods", "ps", "-a", "--cri-root", cri_dir / "cri" / "root"))
    assert all(len(r["CONTAINER"]) == 13 and len(r["POD ID"]) == 13 for r in rows)


def test_pods_ls_quiet(k8s, cri_dir):
    want = {w["id"] for w in answers(cri_dir, "final", "list-pod-sandbox.json")["items"]}
    assert set(k8s.ok("pods", "ls", "-q", "--cri-root", cri_dir / "cri" / "root").split()) == want


def test_unreadable_cri_root_gives_unknown_states_and_one_line(k8s, cri_dir, tmp_path):
    r = k8s("pods", "ps", "-a", "--no-trunc", "--cri-root", tmp_path / "nope")
    assert r.status == 0
    assert r.stderr.splitlines() == [
        f"ctrfsctl: CRI root {tmp_path / 'nope'}: No such file or directory: "
        "container states unknown"]
    rows = table(r.stdout)
    assert rows and all(c["STATE"] == "Unknown" for c in rows)
    r = k8s("pods", "ls", "--cri-root", tmp_path / "nope")
    assert r.status == 0 and len(r.stderr.splitlines()) == 1
    assert all(p["STATE"] == "-" for p in table(r.stdout))


def test_missing_and_broken_status_files(k8s, cri_dir, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(cri_dir / "cri" / "root", root)
    ids = sorted(p.name for p in (root / "containers").iterdir())
    shutil.rmtree(root / "containers" / ids[0])
    (root / "containers" / ids[1] / "status").write_text('{"Version":"v1","Pid":-3}')
    r = k8s("pods", "ps", "-a", "--no-trunc", "--cri-root", root)
    assert r.status == 0
    assert r.stderr.splitlines() == [
        f"ctrfsctl: {root}/containers/{ids[1]}/status: CRI status: Pid -3 is out of range"]
    by_id = {c["CONTAINER"]: c for c in table(r.stdout)}
    assert by_id[ids[0]]["STATE"] == "Unknown"
    assert by_id[ids[1]]["STATE"] == "Unknown"
    assert by_id[ids[2]]["STATE"] != "Unknown"


def test_record_with_broken_cri_metadata_is_named_and_left_out(k8s, cri_dir, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version":"v1","Metadata":{"Config":{"metadata":{"attempt":"x"}}}}')
    k8s.ok("-n", "k8s.io", "containers", "create", "--label", "io.cri-containerd.kind=container",
           "--extension", "io.cri-containerd.container.metadata="
           f"github.com/containerd/cri/pkg/store/container/Metadata=@{bad}", "broken")
    r = k8s("pods", "ps", "-a", "-q", "--cri-root", cri_dir / "cri" / "root")
    assert r.status == 0
    assert r.stderr.splitlines() == [
        'ctrfsctl: container "broken": CRI container metadata: attempt is not an integer']
    want = {w["id"] for w in answers(cri_dir, "final", "list-containers.json")["containers"]}
    assert set(r.stdout.split()) == want


def test_plain_namespace_has_no_pods(k8s, cri_dir):
    """Containers made without CRI (namespace default of the fixture) are no pods."""
    r = k8s("-n", "default", "pods", "ps", "-a", "-q", "--cri-root", cri_dir / "cri" / "root")
    assert r.status == 0 and r.stdout == "" and r.stderr == ""
    assert k8s.ok("-n", "default", "pods", "ls", "-q") == ""


def test_pods_usage_errors(k8s):
    assert k8s("pods", "ls", "extra").status == 2
    assert k8s("pods", "ls", "-a").status == 2
    assert k8s("pods", "ls", "--pod", "x").status == 2
    assert k8s("pods", "nope").status == 2
    assert "crictl" in k8s.ok("pods", "--help")
