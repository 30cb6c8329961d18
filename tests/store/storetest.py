"""Helpers of the store/CLI suite: `Ctl` runs the real ctrfsctl on one store.

    ctl = Ctl(exe, path).init()                     # a new store
    status, out, err = ctl("containers", "ls")      # any command, never raises
    out = ctl.ok("containers", "create", "web")     # asserts exit status 0
    msg = ctl.error("containers", "create", "web")  # asserts status 1 and exactly one
                                                    # stderr line "ctrfsctl: MSG"; returns MSG
    with ctl.unchanged(): ...                       # export and change log identical after
"""
import json
import os
import select
import signal
import subprocess
import time
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

Result = namedtuple("Result", "status stdout stderr")

# Variables that would make ctrfsctl look at another store or namespace than the test's.
_SCRUBBED = ("CTRFS_STORE", "CONTAINERD_NAMESPACE", "CTRFS_MAP_SIZE")

SPEC_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"
RUNC = "io.containerd.runc.v2"


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(extra or {})
    return env


class Ctl:
    """ctrfsctl bound to one store directory."""

    def __init__(self, exe, store, env=None):
        self.exe = str(exe)
        self.store = Path(store)
        self.env = clean_env(env)

    def init(self):
        """Creates the store (`ctrfsctl init`): no other command makes one silently."""
        self.ok("init")
        return self

    def argv(self, args, ns=None):
        head = [self.exe, "--store", str(self.store)]
        if ns is not None:
            head += ["-n", ns]
        return head + [str(a) for a in args]

    def __call__(self, *args, ns=None, input=None, env=None, timeout=60):
        p = subprocess.run(self.argv(args, ns), input=input, capture_output=True, text=True,
                           env={**self.env, **(env or {})},
                           timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.status == 0, f"ctrfsctl {' '.join(map(str, args))}: {r}"
        return r.stdout

    def error(self, *args, status=1, **kw):
        """Runs a command that must fail; returns its one-line message without the
        "ctrfsctl: " prefix."""
        r = self(*args, **kw)
        assert r.status == status, f"ctrfsctl {' '.join(map(str, args))}: {r}"
        lines = r.stderr.splitlines()
        assert len(lines) == 1, f"expected one stderr line, got {r.stderr!r}"
        assert lines[0].startswith("ctrfsctl: "), lines[0]
        return lines[0][len("ctrfsctl: "):]

    def popen(self, *args, ns=None, env=None, **kw):
        return subprocess.Popen(self.argv(args, ns), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env={**self.env, **(env or {})}, **kw)

    # ---- conveniences ----

    def info(self, cid, ns=None):
        return json.loads(self.ok("containers", "info", cid, ns=ns))

    def labels(self, cid, ns=None):
        return self.info(cid, ns=ns)["Labels"] or {}

    def ids(self, *filters, ns=None):
        return self.ok("containers", "ls", "-q", *filters, ns=ns).split()

    def export(self, ns=None):
        return self.ok("export", ns=ns)

    def events(self, *filters, since=0, ns=None):
        out = self.ok("events", "--no-follow", "--since", since, *filters, ns=ns)
        return [json.loads(line) for line in out.splitlines()]

    def last_seq(self):
        evs = self.events()
        return evs[-1]["seq"] if evs else 0

    def snapshot(self):
        return self.export(), self.ok("events", "--no-follow", "--since", 0)

    @contextmanager
    def unchanged(self):
        """The block must change nothing: same export document, no new event."""
        before = self.snapshot()
        yield
        after = self.snapshot()
        assert after[0] == before[0], "the store's content changed"
        assert after[1] == before[1], "the change log changed"


def info_doc(cid, **fields):
    """A `ctr containers info` object with every field, overridable by keyword."""
    doc = {"ID": cid, "Labels": None, "Image": "", "Runtime": {"Name": RUNC, "Options": None},
           "SnapshotKey": "", "Snapshotter": "", "CreatedAt": "2024-01-02T03:04:05.000000006Z",
           "UpdatedAt": "2024-01-02T03:04:05.000000006Z", "Extensions": None,
           "Spec": {"ociVersion": "1.0.2-dev"}}
    doc.update(fields)
    return doc


def stop(proc, sig=signal.SIGINT, timeout=10):
    """Sends sig and waits; returns (status, stdout, stderr)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_following(proc, timeout=20):
    """Waits until `ctrfsctl events` (following) has set up its inotify watch, which it
    does after reading where the log ends: changes made from then on are "new"."""
    deadline = time.monotonic() + timeout
    fds = Path(f"/proc/{proc.pid}/fd")
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if any(os.readlink(fd) == "anon_inode:inotify" for fd in fds.iterdir()):
                return
        except FileNotFoundError:  # an fd closed while looking
            pass
        time.sleep(0.02)
    raise AssertionError("ctrfsctl events did not start following")


def read_lines(proc, n, timeout=10):
    """Reads n JSON lines from proc's stdout (a pipe), failing after timeout seconds.
    Reads the file descriptor itself: select() cannot see lines held in a Python buffer."""
    fd = proc.stdout.fileno()
    pending = getattr(proc, "pending", b"")
    lines = []
    deadline = time.monotonic() + timeout
    while True:
        while b"\n" in pending and len(lines) < n:
            line, pending = pending.split(b"\n", 1)
            lines.append(json.loads(line))
        if len(lines) == n:
            break
        left = deadline - time.monotonic()
        assert left > 0, f"timed out with {lines}"
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 65536)
            assert chunk, f"stdout closed after {lines}; stderr: {proc.stderr.read()}"
            pending += chunk
    proc.pending = pending
    return lines


def big_import(n):
    spec = {"ociVersion": "1.0.2-dev", "process": {"env": [f"VAR{i}=value{i}" for i in range(40)]}}
    return {"version": 1, "namespaces": [{"name": "big", "labels": {}, "containers": [
        info_doc(f"c{i:05d}", Labels={"app": "web", "i": str(i)}, Spec=spec)
        for i in range(n)]}]}
