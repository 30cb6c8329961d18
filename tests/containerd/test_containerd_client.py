"""The containerd client against a real containerd: it sees exactly what `ctr` shows,
its writes are what `ctr` then shows, and containerd's errors come back unchanged."""
import base64
import calendar
import json
import os
import re
import shutil
import signal
import queue
import socket
import tempfile
import subprocess
import threading
import time

import pytest

from ctrdtest import PROBE_CMD, Containerd

SPEC_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"


def go_time(s):
    """ctr's RFC 3339 time with nanoseconds -> {"seconds", "nanos"}."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", s)
    assert m, s
    secs = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return {"seconds": secs, "nanos": int((m.group(2) or "0").ljust(9, "0"))}


def ctr_info(containerd, ns, cid):
    return json.loads(containerd.ctr("c", "info", cid, ns=ns).stdout)


def b64(data):
    return base64.b64encode(data).decode()


def error(result):
    """(code, message) of a failed probe run."""
    rc, _, err = result
    m = re.fullmatch(r"(\d+) \w+: (.*)\n", err, re.S)
    assert m, f"probe status {rc}, stderr {err!r}"
    assert rc == 64 + int(m.group(1))
    return int(m.group(1)), m.group(2)


def ctr_error(r):
    assert r.returncode != 0
    return r.stderr.strip().removeprefix("ctr: ")


def create_with_ctr(containerd, ns, cid, *labels):
    args = ["c", "create", "--rootfs"]
    for kv in labels:
        args += ["--label", kv]
    containerd.ctr(*args, containerd.make_rootfs(), cid, "/bin/sleep", "300", ns=ns)


# ---- namespaces ----

def ctr_namespaces(containerd):
    """`ctr ns ls` as {name: {label: value}}."""
    out = {}
    for line in containerd.ctr("ns", "ls").stdout.splitlines()[1:]:
        name, _, labels = line.partition(" ")
        labels = labels.strip()
        out[name] = dict(kv.split("=", 1) for kv in labels.split(",")) if labels else {}
    return out


def test_namespaces_list_is_what_ctr_lists(containerd, ns):
    containerd.ctr("ns", "create", ns)
    containerd.ctr("ns", "label", ns, "team=a", "tier=web")
    containerd.ctr("ns", "create", ns + "-bare")
    seen = {n["name"]: n["labels"] for n in containerd.ok("ns", "ls")}
    assert seen == ctr_namespaces(containerd)
    assert seen[ns] == {"team": "a", "tier": "web"}
    assert containerd.ok("ns", "get", ns) == {"name": ns, "labels": {"team": "a", "tier": "web"}}


def test_namespace_writes_are_what_ctr_then_lists(containerd, ns):
    assert containerd.ok("ns", "create", ns, "k=v", "o=1") == {"name": ns,
                                                               "labels": {"k": "v", "o": "1"}}
    assert ctr_namespaces(containerd)[ns] == {"k": "v", "o": "1"}
    # update_mask labels.k: only k changes
    containerd.ok("ns", "update", ns, "labels.k", "--", "k=w", "o=ignored")
    assert ctr_namespaces(containerd)[ns] == {"k": "w", "o": "1"}
    containerd.probe("ns", "rm", ns)
    assert ns not in ctr_namespaces(containerd)


def test_namespace_errors_are_containerds(containerd, ns):
    containerd.ctr("ns", "create", ns)
    code, msg = error(containerd.probe("ns", "create", ns))
    assert code == 6
    assert msg == ctr_error(containerd.ctr("ns", "create", ns, check=False))
    create_with_ctr(containerd, ns, "holder")
    code, msg = error(containerd.probe("ns", "rm", ns))
    assert code == 9  # FailedPrecondition: the namespace is not empty
    # ctr wraps it in its own words: "unable to delete NS: MESSAGE"
    assert msg.endswith(": failed precondition") and msg in containerd.ctr(
        "ns", "rm", ns, check=False).stderr


# ---- containers ----

def test_container_made_by_ctr_is_seen_field_for_field(containerd, ns):
    create_with_ctr(containerd, ns, "web", "app=x", "tier=front")
    got = containerd.ok("c", "get", ns, "web")
    info = ctr_info(containerd, ns, "web")
    assert got["id"] == info["ID"] == "web"
    assert got["labels"] == info["Labels"]
    assert got["image"] == info["Image"]
    assert got["runtime"]["name"] == info["Runtime"]["Name"]
    # ctr stores runc's options as an Any with a type URL and no value: present, empty
    assert got["runtime"]["options"] == {"type_url": info["Runtime"]["Options"]["type_url"],
                                         "value": ""}
    assert got["snapshotter"] == info["Snapshotter"]
    assert got["snapshot_key"] == info["SnapshotKey"]
    assert got["created_at"] == go_time(info["CreatedAt"])
    assert got["updated_at"] == go_time(info["UpdatedAt"])
    assert got["extensions"] == {} and info["Extensions"] is None
    assert got["spec"]["type_url"] == SPEC_URL
    spec = json.loads(base64.b64decode(got["spec"]["value"]))
    assert spec == info["Spec"]
    assert spec == json.loads(containerd.ctr("c", "info", "--spec", "web", ns=ns).stdout)


def test_container_written_by_client_is_bytes_exact_in_ctr(containerd, ns):
    spec = b'{"ociVersion":"1.0.2",  "process":{"args":["/bin/true"],"cwd":"/"}}'
    runtime_opts = bytes(range(256))  # every byte value, NUL and invalid UTF-8 included
    ext = b"\x00\xff\x10binary\xc3\x28"
    want = {
        "id": "exact",
        "labels": {"a": "1", "b": "two words", "c": "\u00e9"},
        "image": "docker.io/library/busybox:latest",
        "runtime": {"name": "io.containerd.runc.v2",
                    "options": {"type_url": "containerd.runc.v1.Options", "value": b64(runtime_opts)}},
        "spec": {"type_url": SPEC_URL, "value": b64(spec)},
        "snapshotter": "native",
        "snapshot_key": "exact-key",
        "extensions": {"ext.one": {"type_url": "example.com/Ext", "value": b64(ext)},
                       "ext.empty": {"type_url": "example.com/Empty", "value": ""}},
    }
    made = containerd.ok("c", "create", ns, json.dumps(want))
    info = ctr_info(containerd, ns, "exact")
    assert info["Labels"] == want["labels"]
    assert info["Image"] == want["image"]
    assert info["Snapshotter"] == "native" and info["SnapshotKey"] == "exact-key"
    assert info["Runtime"]["Name"] == "io.containerd.runc.v2"
    assert base64.b64decode(info["Runtime"]["Options"]["value"]) == runtime_opts
    assert {k: (v["type_url"], base64.b64decode(v.get("value", ""))) for k, v in
            info["Extensions"].items()} == {"ext.one": ("example.com/Ext", ext),
                                            "ext.empty": ("example.com/Empty", b"")}
    # ctr decodes the spec into Go's struct (adding its zero fields); the bytes are
    # checked on the way back below
    assert info["Spec"]["process"]["args"] == ["/bin/true"]
    # and read back: the same bytes, the same times ctr shows
    got = containerd.ok("c", "get", ns, "exact")
    assert got == made
    for field in ("labels", "image", "runtime", "spec", "snapshotter", "snapshot_key",
                  "extensions"):
        assert got[field] == want[field], field
    assert got["created_at"] == go_time(info["CreatedAt"])
    assert got["updated_at"] == go_time(info["UpdatedAt"])


def test_update_with_a_label_path_changes_only_that_label(containerd, ns):
    create_with_ctr(containerd, ns, "upd", "a=1", "b=2")
    before = ctr_info(containerd, ns, "upd")
    change = {"id": "upd", "labels": {"a": "9", "b": "not this"}, "image": "not/this"}
    out = containerd.ok("c", "update", ns, json.dumps(change), "labels.a")
    after = ctr_info(containerd, ns, "upd")
    assert after["Labels"] == {"a": "9", "b": "2"}
    assert after["Image"] == before["Image"] == ""
    assert after["Spec"] == before["Spec"]
    # containerd's answer carries the new UpdatedAt, the one ctr then shows
    assert out["labels"] == {"a": "9", "b": "2"}
    assert out["updated_at"] == go_time(after["UpdatedAt"])
    assert out["updated_at"] != go_time(before["UpdatedAt"])
    assert out["created_at"] == go_time(before["CreatedAt"])


def test_list_is_what_ctr_lists_with_and_without_filters(containerd, ns):
    for i in range(5):
        create_with_ctr(containerd, ns, f"c{i}", f"app={'x' if i % 2 else 'y'}")
    everything = containerd.ok("c", "ls", ns)
    assert sorted(c["id"] for c in everything) == sorted(
        containerd.ctr("c", "ls", "-q", ns=ns).stdout.split())
    for c in everything:
        assert c == containerd.ok("c", "get", ns, c["id"])
    flt = "labels.app==x"
    assert sorted(c["id"] for c in containerd.ok("c", "ls", ns, flt)) == sorted(
        containerd.ctr("c", "ls", "-q", flt, ns=ns).stdout.split()) == ["c1", "c3"]


def test_delete_is_seen_by_ctr(containerd, ns):
    create_with_ctr(containerd, ns, "gone")
    assert containerd.probe("c", "rm", ns, "gone")[0] == 0
    assert containerd.ctr("c", "ls", "-q", ns=ns).stdout.split() == []


def test_not_found_is_containerds_not_found(containerd, ns):
    containerd.ctr("ns", "create", ns)
    code, msg = error(containerd.probe("c", "get", ns, "nope"))
    assert code == 5
    assert msg == ctr_error(containerd.ctr("c", "info", "nope", ns=ns, check=False))


def test_a_message_beyond_ascii_comes_back_as_sent(containerd, ns):
    # grpc-go percent-encodes grpc-message outside printable ASCII: é must decode
    containerd.ctr("ns", "create", ns)
    code, msg = error(containerd.probe("c", "get", ns, "caf\u00e9"))
    assert code == 5
    assert msg == f'container "caf\u00e9" in namespace "{ns}": not found'
    assert msg == ctr_error(containerd.ctr("c", "info", "caf\u00e9", ns=ns, check=False))


def test_duplicate_create_is_already_exists(containerd, ns):
    create_with_ctr(containerd, ns, "dup")
    code, msg = error(containerd.probe("c", "create", ns, json.dumps(
        {"id": "dup", "runtime": {"name": "io.containerd.runc.v2"},
         "spec": {"type_url": SPEC_URL, "value": b64(b"{}")}})))
    assert code == 6
    assert msg == f'container "dup": already exists'


def test_bad_label_is_invalid_argument_and_changes_nothing(containerd, ns):
    create_with_ctr(containerd, ns, "bad", "k=v")
    big = "v" * 5000
    code, msg = error(containerd.probe("c", "update", ns, json.dumps(
        {"id": "bad", "labels": {"k": big}}), "labels.k"))
    assert code == 3
    assert msg == ctr_error(containerd.ctr("c", "label", "bad", f"k={big}", ns=ns, check=False))
    assert ctr_info(containerd, ns, "bad")["Labels"] == {"k": "v"}


# ---- connection failures ----

def test_no_socket_is_unavailable_with_the_address(containerd, tmp_path):
    addr = str(tmp_path / "missing.sock")
    assert error(containerd.probe("ns", "ls", address=addr)) == (
        14, f"containerd unreachable at {addr}")


def test_the_address_comes_from_containerd_address(containerd, tmp_path):
    def probe_with(env_address):
        env = dict(os.environ, CONTAINERD_ADDRESS=env_address)
        return subprocess.run(PROBE_CMD + ["ns", "ls"], env=env, capture_output=True, text=True,
                              timeout=60)
    r = probe_with(containerd.sock)
    assert r.returncode == 0 and {n["name"] for n in json.loads(r.stdout)} == set(
        ctr_namespaces(containerd))
    missing = str(tmp_path / "env.sock")
    r = probe_with(missing)
    assert (r.returncode, r.stderr) == (64 + 14, f"14 Unavailable: containerd unreachable at {missing}\n")


def test_a_dead_socket_is_unavailable(containerd, tmp_path):
    addr = str(tmp_path / "dead.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(addr)
    s.close()  # the file stays, nobody listens: ECONNREFUSED
    assert error(containerd.probe("ns", "ls", address=addr)) == (
        14, f"containerd unreachable at {addr}")
    url = "unix://" + addr
    assert error(containerd.probe("ns", "ls", address=url)) == (
        14, f"containerd unreachable at {url}")


def fake_server(path, behaviour):
    """A unix socket server that accepts one connection and then BEHAVIOUR(conn)."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        behaviour(conn)
        srv.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_a_silent_server_gives_deadline_exceeded(containerd, tmp_path):
    addr = str(tmp_path / "silent.sock")
    release = threading.Event()
    fake_server(addr, lambda conn: (release.wait(30), conn.close()))
    try:
        assert error(containerd.probe("ns", "ls", address=addr, timeout_ms=300)) == (
            4, "context deadline exceeded")
    finally:
        release.set()


def test_a_server_that_hangs_up_gives_unavailable(containerd, tmp_path):
    addr = str(tmp_path / "hangup.sock")
    fake_server(addr, lambda conn: (conn.recv(100), conn.close()))
    assert error(containerd.probe("ns", "ls", address=addr)) == (
        14, f"containerd unreachable at {addr}")


# ---- tasks and events ----

def run_task(containerd, ns, cid):
    containerd.ctr("run", "-d", "--null-io", "--runc-root", containerd.runc_root, "--rootfs",
                   containerd.make_rootfs(), cid, "/bin/sleep", "300", ns=ns)


def ctr_tasks(containerd, ns):
    """`ctr t ls` as {id: (pid, STATUS)}."""
    rows = [line.split() for line in containerd.ctr("t", "ls", ns=ns).stdout.splitlines()[1:]]
    return {r[0]: (int(r[1]), r[2]) for r in rows}


def wait_stopped(containerd, ns, cid):
    deadline = time.monotonic() + 20
    while ctr_tasks(containerd, ns)[cid][1] != "STOPPED":
        assert time.monotonic() < deadline, "task did not stop"
        time.sleep(0.05)


def test_tasks_list_shows_the_running_task_then_its_exit(containerd, ns):
    run_task(containerd, ns, "sleeper")
    try:
        pid, status = ctr_tasks(containerd, ns)["sleeper"]
        assert status == "RUNNING"
        tasks = containerd.ok("t", "ls", ns)
        assert [(t["id"], t["pid"], t["status"]) for t in tasks] == [("sleeper", pid, "running")]
        containerd.ctr("t", "kill", "-s", "9", "sleeper", ns=ns)
        wait_stopped(containerd, ns, "sleeper")
        got = containerd.ok("t", "get", ns, "sleeper")
        assert (got["id"], got["pid"], got["status"], got["exit_status"]) == (
            "sleeper", pid, "stopped", 137)
        assert got["exited_at"]["seconds"] > 0
        assert containerd.ok("t", "ls", ns)[0] == got
    finally:
        containerd.ctr("t", "rm", "-f", "sleeper", ns=ns, check=False)
    code, _ = error(containerd.probe("t", "get", ns, "sleeper"))
    assert code == 5


class Events:
    """ctrd-probe events in the background, read line by line with a bound."""

    def __init__(self, containerd, *filters):
        self.proc = subprocess.Popen(PROBE_CMD + ["-a", containerd.sock, "events", *filters],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next_line() == "ready"

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self, timeout=20):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no event within the bound") from None
        assert line is not None, "the event stream ended: " + self.proc.stderr.read()
        return line

    def warm_up(self, containerd, ns):
        """Makes namespaces until one's /namespaces/create event arrives: containerd
        registers a subscription some time after the request is on its socket."""
        for i in range(50):
            containerd.ctr("ns", "create", f"{ns}-warm{i}")
            try:
                e = self.until(lambda e: e["topic"] == "/namespaces/create", timeout=0.2)[-1]
            except AssertionError:
                continue
            assert e["namespace_name"].startswith(f"{ns}-warm")
            return
        raise AssertionError("the subscription never delivered an event")

    def until(self, pred, timeout=20):
        """Events up to and including the first that PRED accepts."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            ev = json.loads(self.next_line(max(0.1, deadline - time.monotonic())))
            seen.append(ev)
            if pred(ev):
                return seen

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()


def test_subscribe_delivers_container_and_task_events(containerd, ns):
    ev = Events(containerd, 'topic~="/containers/"', 'topic~="/tasks/"',
                'topic~="/namespaces/"')
    try:
        # the subscription is registered once containerd has seen the request: until an
        # event of ours comes back, make one
        ev.warm_up(containerd, ns)
        create_with_ctr(containerd, ns, "evc", "a=1")
        e = ev.until(lambda e: e["topic"] == "/containers/create")[-1]
        assert (e["namespace"], e["container_id"]) == (ns, "evc")
        assert e["event"]["type_url"] == "containerd.events.ContainerCreate"
        containerd.ctr("c", "label", "evc", "a=2", ns=ns)
        e = ev.until(lambda e: e["topic"] == "/containers/update")[-1]
        assert (e["namespace"], e["container_id"]) == (ns, "evc")
        run_task(containerd, ns, "evt")
        seen = ev.until(lambda e: e["topic"] == "/tasks/start")
        create = [e for e in seen if e["topic"] == "/tasks/create"]
        assert len(create) == 1 and create[0]["container_id"] == "evt"
        pid = ctr_tasks(containerd, ns)["evt"][0]
        assert seen[-1]["container_id"] == "evt" and seen[-1]["pid"] == pid
        containerd.ctr("t", "kill", "-s", "9", "evt", ns=ns)
        e = ev.until(lambda e: e["topic"] == "/tasks/exit")[-1]
        assert (e["container_id"], e["exec_id"], e["pid"], e["exit_status"]) == (
            "evt", "evt", pid, 137)
        assert e["exited_at"]["seconds"] > 0
        containerd.ctr("t", "rm", "evt", ns=ns)
        e = ev.until(lambda e: e["topic"] == "/tasks/delete")[-1]
        assert (e["container_id"], e["pid"], e["exit_status"]) == ("evt", pid, 137)
    finally:
        ev.close()
        containerd.ctr("t", "rm", "-f", "evt", ns=ns, check=False)


def test_subscribe_filters_are_containerds(containerd, ns):
    ev = Events(containerd, 'topic~="/namespaces/"', 'topic=="/containers/delete"')
    try:
        ev.warm_up(containerd, ns)
        create_with_ctr(containerd, ns, "f1")
        containerd.ctr("c", "label", "f1", "x=y", ns=ns)
        containerd.ctr("c", "rm", "f1", ns=ns)
        seen = ev.until(lambda e: e["topic"] == "/containers/delete")
        # neither the create nor the update passed the filters (late warm-up
        # namespaces may)
        seen = [e for e in seen if e["topic"] != "/namespaces/create"]
        assert [e["topic"] for e in seen] == ["/containers/delete"]
        assert (seen[0]["namespace"], seen[0]["container_id"]) == (ns, "f1")
    finally:
        ev.close()


def test_cancel_ends_a_subscription_as_cancelled(containerd):
    # the probe's -c calls ctrd_cancel() from a SIGALRM handler, mid-stream
    rc, _, err = containerd.probe("-c", "200", "events")
    assert (rc, err) == (64 + 1, "1 Canceled: context canceled\n")


def test_a_subscription_ends_unavailable_when_containerd_dies(containerd):
    tmp = tempfile.mkdtemp(prefix="ctrfs-containerd-dying-")
    other = Containerd(tmp)
    try:
        ev = Events(other)
        ev.warm_up(other, "dying")
        other.proc.send_signal(signal.SIGKILL)
        other.proc.wait()
        assert ev.proc.wait(timeout=20) == 64 + 14
        assert ev.proc.stderr.read() == f"14 Unavailable: containerd unreachable at {other.sock}\n"
        ev.close()
    finally:
        other.stop()
        shutil.rmtree(tmp, ignore_errors=True)
