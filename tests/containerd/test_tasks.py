"""Tasks of a bound store (issue 13, item 4): a container's read-only task/ directory and
`ctrfsctl tasks ls`, against real tasks of a private containerd (`ctr run -d` of a
busybox rootfs under runc): running with ctr's pid, killed, removed; the first sync;
containerd killed -9 and restarted while the task changed."""
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ctrdtest import BUILD_DIR, Containerd
from test_binding import bound_mount, eventually, read_or_none

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fs"))
from fstest import Mount  # noqa: E402

TASK_FILES = ["exit_status", "exited_at", "pid", "status"]
RFC3339NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


@pytest.fixture
def bound(containerd, tmp_path):
    m = bound_mount(containerd, tmp_path)
    yield m
    m.stop()


def run(c, ns, cid):
    c.ctr("run", "-d", "--rootfs", c.make_rootfs(), cid, "/bin/sleep", "300", ns=ns)


def remove(c, ns, cid):
    """Ends a test's container (killed if running), as a user would with ctr."""
    c.ctr("t", "kill", "-s", "KILL", cid, ns=ns, check=False)
    end = time.monotonic() + 10
    while c.ctr("t", "rm", cid, ns=ns, check=False).returncode != 0:
        if time.monotonic() > end:
            break
        time.sleep(0.05)
    c.ctr("c", "rm", cid, ns=ns, check=False)


def ctr_pid(c, ns, cid):
    for line in c.ctr("t", "ls", ns=ns).stdout.splitlines()[1:]:
        f = line.split()
        if f[0] == cid:
            return f[1]
    return None


def task(m, ns, cid, name):
    return read_or_none(m.mnt / ns / cid / "task" / name)


def tasks_ls(m, ns, *args):
    r = m.ctl("tasks", "ls", *args, ns=ns)
    return r.out.decode() if isinstance(r.out, bytes) else r.out


def test_a_task_through_its_life(containerd, ns, bound):
    c, m = containerd, bound
    run(c, ns, "web")
    try:
        # running, with the pid ctr shows
        assert eventually(lambda: task(m, ns, "web", "status"), "running") == "running"
        assert task(m, ns, "web", "pid") == ctr_pid(c, ns, "web")
        assert task(m, ns, "web", "exit_status") == ""
        assert task(m, ns, "web", "exited_at") == ""
        assert "task" in m.ok(f"ls {ns}/web").split()
        assert m.ok(f"ls {ns}/web/task").split() == TASK_FILES
        assert m.ok(f"stat -c %a {ns}/web/task {ns}/web/task/status").split() == ["555", "444"]
        # ctrfsctl tasks ls is ctr tasks ls, byte for byte
        assert tasks_ls(m, ns) == c.ctr("t", "ls", ns=ns).stdout
        assert tasks_ls(m, ns, "-q") == c.ctr("t", "ls", "-q", ns=ns).stdout
        assert m.ctl("t", "ls", ns=ns).out == m.ctl("tasks", "ls", ns=ns).out

        # killed: stopped, with the exit status containerd reports and when
        pid = task(m, ns, "web", "pid")
        c.ctr("t", "kill", "-s", "KILL", "web", ns=ns)
        assert eventually(lambda: task(m, ns, "web", "status"), "stopped") == "stopped"
        assert task(m, ns, "web", "exit_status") == "137"
        assert task(m, ns, "web", "pid") == pid
        exited = task(m, ns, "web", "exited_at")
        assert RFC3339NANO.match(exited), exited
        # exactly what containerd's Tasks.Get reports
        got = c.ok("t", "get", ns, "web")
        assert got["status"] == "stopped" and task(m, ns, "web", "exit_status") == str(
            got["exit_status"])
        at = got["exited_at"]
        assert exited == datetime.fromtimestamp(at["seconds"], timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S") + f".{at['nanos']:09d}".rstrip("0").rstrip(".") + "Z"
        assert eventually(lambda: "STOPPED" in c.ctr("t", "ls", ns=ns).stdout, True)
        assert tasks_ls(m, ns) == c.ctr("t", "ls", ns=ns).stdout

        # removed: task/ is gone, the container stays
        c.ctr("t", "rm", "web", ns=ns)
        assert eventually(lambda: (m.mnt / ns / "web" / "task").exists(), False) is False
        assert "task" not in m.ok(f"ls {ns}/web").split()
        assert (m.mnt / ns / "web" / "container.json").exists()
        assert tasks_ls(m, ns) == c.ctr("t", "ls", ns=ns).stdout == "TASK    PID    STATUS    \n"
    finally:
        remove(c, ns, "web")


def test_find_and_grep_see_a_task_once(containerd, ns, bound):
    c, m = containerd, bound
    run(c, ns, "a")
    try:
        assert eventually(lambda: task(m, ns, "a", "status"), "running") == "running"
        found = m.ok(f"find {ns}/a/task").split()
        assert sorted(found) == [f"{ns}/a/task"] + [f"{ns}/a/task/{f}" for f in TASK_FILES]
        hits = m.ok(f"grep -r running {ns}").split()
        assert hits == [f"{ns}/a/task/status:running"]
    finally:
        remove(c, ns, "a")


def test_two_tasks_listed_as_ctr_lists_them(containerd, ns, bound):
    c, m = containerd, bound
    run(c, ns, "a-long-container-name")
    run(c, ns, "b")
    try:
        for cid in ("a-long-container-name", "b"):
            assert eventually(lambda: task(m, ns, cid, "status"), "running") == "running"
        mine, theirs = tasks_ls(m, ns).splitlines(), c.ctr("t", "ls", ns=ns).stdout.splitlines()
        # containerd lists in no set order; ctrfsctl sorts by ID: same lines, same widths
        assert mine[0] == theirs[0]
        assert sorted(mine[1:]) == sorted(theirs[1:])
    finally:
        remove(c, ns, "a-long-container-name")
        remove(c, ns, "b")


def test_task_view_is_read_only(containerd, ns, bound):
    c, m = containerd, bound
    run(c, ns, "web")
    try:
        assert eventually(lambda: task(m, ns, "web", "status"), "running") == "running"
        d = f"{ns}/web/task"
        why = r"task/ is read-only: a task is containerd's \(ctr tasks\) \(EROFS\)"
        with m.unchanged():
            m.fails(f"echo stopped > {d}/status", "Read-only file system")
            m.expect(rf"refused open /{d}/status: {why}")
            m.fails(f"rm {d}/pid", "Read-only file system")
            m.expect(rf"refused unlink /{d}/pid: {why}")
            m.fails(f"touch {d}/new", "Read-only file system")
            m.expect(rf"refused create /{d}/new: {why}")
            m.fails(f"mkdir {d}/sub", "Read-only file system")
            m.expect(rf"refused mkdir /{d}/sub: {why}")
            m.fails(f"rmdir {d}", "Read-only file system")
            m.expect(rf"refused rmdir /{d}: {why}")
            m.fails(f"mv {d}/status {d}/other", "Read-only file system")
            m.expect(rf"refused rename /{d}/other: {why}")
        assert task(m, ns, "web", "status") == "running"
        assert ctr_pid(c, ns, "web") == task(m, ns, "web", "pid")
    finally:
        remove(c, ns, "web")


def test_first_sync_shows_a_running_task_and_drops_a_gone_one(containerd, ns, tmp_path):
    c = containerd
    run(c, ns, "early")
    try:
        m = bound_mount(c, tmp_path)
        try:
            # the mount waits for its first sync: no waiting here
            assert m.text(f"{ns}/early/task/status") == "running\n"
            assert m.text(f"{ns}/early/task/pid") == ctr_pid(c, ns, "early") + "\n"
        finally:
            m.stop()
        # unmounted: the store still holds what was mirrored, ctrfsctl reads it
        assert tasks_ls(m, ns) == c.ctr("t", "ls", ns=ns).stdout
        # changed while no mount followed: the next first sync converges
        c.ctr("t", "kill", "-s", "KILL", "early", ns=ns)
        assert eventually(lambda: "STOPPED" in c.ctr("t", "ls", ns=ns).stdout, True)
        c.ctr("t", "rm", "early", ns=ns)
        m.start("-o", f"containerd={c.sock}")
        try:
            assert not (m.mnt / ns / "early" / "task").exists()
            assert tasks_ls(m, ns) == c.ctr("t", "ls", ns=ns).stdout
        finally:
            m.stop()
    finally:
        remove(c, ns, "early")


def test_containerd_killed_while_a_task_exits_converges(tmp_path):
    (tmp_path / "ctrd").mkdir()
    c = Containerd(tmp_path / "ctrd")
    m = None
    try:
        run(c, "n1", "web")
        m = bound_mount(c, tmp_path)
        assert m.text("n1/web/task/status") == "running\n"
        pid = int(m.text("n1/web/task/pid"))
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait()
        m.expect(r"containerd unreachable at .*serving the mirror")
        # the task's process dies while containerd is away: the mirror keeps what it had
        os.kill(pid, signal.SIGKILL)
        assert m.text("n1/web/task/status") == "running\n"
        c = Containerd(tmp_path / "ctrd")
        m.expect(r"containerd is back")
        assert eventually(lambda: read_or_none(m.mnt / "n1/web/task/status"), "stopped",
                          timeout=15) == "stopped"
        assert m.text("n1/web/task/exit_status") == "137\n"
        assert tasks_ls(m, "n1") == c.ctr("t", "ls", ns="n1").stdout
        c.ctr("t", "rm", "web", ns="n1")
        assert eventually(lambda: (m.mnt / "n1/web/task").exists(), False) is False
    finally:
        if m:
            m.stop()
        remove(c, "n1", "web")
        c.stop()
        subprocess.run(["umount", "-R", "-l", f"{tmp_path}/ctrd/state"], capture_output=True)


def test_a_container_with_a_task_is_not_deleted(containerd, ns, bound):
    """containerd's Delete would delete the container and leave its task running with
    no container; ctr refuses it in its client, and so does ctrfs, both ways."""
    c, m = containerd, bound
    run(c, ns, "web")
    try:
        assert eventually(lambda: task(m, ns, "web", "status"), "running") == "running"
        ctr_says = c.ctr("c", "rm", "web", ns=ns, check=False).stderr.splitlines()[-1]
        assert ctr_says.startswith("ctr: cannot delete a non stopped container: ")
        why = ctr_says.removeprefix("ctr: ")
        m.expect(rf"refused rmdir /{ns}/web: {re.escape(why)} \(EBUSY\)")
        with m.unchanged():
            m.fails(f"rmdir {ns}/web", "Device or resource busy")
            r = m.ctl("c", "rm", "web", ns=ns, check=False)
            assert r.status == 1 and why in r.err.decode()
        assert "web" in c.ctr("c", "ls", "-q", ns=ns).stdout.split()
        # stopped: ctr deletes the task first; ctrfs, which writes no task, asks for that
        c.ctr("t", "kill", "-s", "KILL", "web", ns=ns)
        assert eventually(lambda: task(m, ns, "web", "status"), "stopped") == "stopped"
        m.expect(rf'refused rmdir /{ns}/web: container "web" has a stopped task: delete it '
                 r"first \(ctr tasks rm\) \(EBUSY\)")
        m.fails(f"rmdir {ns}/web", "Device or resource busy")
        c.ctr("t", "rm", "web", ns=ns)
        assert eventually(lambda: (m.mnt / ns / "web" / "task").exists(), False) is False
        m.ok(f"rmdir {ns}/web")
        assert "web" not in c.ctr("c", "ls", "-q", ns=ns).stdout.split()
    finally:
        remove(c, ns, "web")
