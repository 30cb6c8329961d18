r"""Helpers of the FUSE suite: `Mount` runs the real ctrfs daemon on a store.

    m = Mount(build_dir, tmp_path)      # a store, a mount point, not yet mounted
    m.start("-o", "ro")                 # ctrfs -f [args] STORE MNT, waits for the mount
    m.ctl("c", "create", "c1")          # the real ctrfsctl on the same store
    r = m.sh("echo v > default/c1/image")   # bash in the mount; r.status, r.out, r.err
    m.expect(r"refused write /default/c1/spec.json: .* \(EINVAL\)")   # a log line due
    with m.unchanged(): ...             # `ctrfsctl export` identical afterwards
    m.stop()                            # fusermount3 -u; exit status 0; log as expected
"""
import os
import re
import shlex
import subprocess
import time
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

Result = namedtuple("Result", "status out err")

RUNC = "io.containerd.runc.v2"
SPEC_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"

# Variables that would make ctrfsctl look at another store or namespace than the test's.
_SCRUBBED = ("CTRFS_STORE", "CONTAINERD_NAMESPACE", "CONTAINERD_ADDRESS", "CTRFS_MAP_SIZE")


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env["LC_ALL"] = "C.UTF-8"  # tools' messages in English, bytes as they are
    env.update(extra or {})
    return env


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


# A daemon run under a tool (valgrind: tests/valgrind.sh) is many times slower.
SLOW = 10 if os.environ.get("CTRFS_DAEMON_WRAPPER") else 1


def seen(look, check):
    """The change another process just committed, as the next command sees it: at the
    first look, no retry. A write returns only once every mount has told its kernel
    what to forget (the store's watcher handshake), so check() must hold at once."""
    try:
        ok = check()
    except OSError as e:
        raise AssertionError(f"{look}: the change was not seen at the first look: {e}")
    assert ok, f"{look}: the change was not seen at the first look"


def wait_until(cond, timeout=5.0, what="condition"):
    """Polls cond() until true. For what the kernel does after close() returns (FUSE
    sends RELEASE asynchronously), so that tests do not depend on its timing."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Mount:
    """A store, a mount point and the ctrfs daemon serving one on the other."""

    def __init__(self, build_dir, base, store=None, mnt=None):
        self.build_dir = Path(build_dir)
        self.exe = self.build_dir / "fs" / "ctrfs"
        self.ctl_exe = self.build_dir / "tools" / "ctrfsctl"
        base = Path(base)
        self.store = Path(store) if store else base / "store"
        self.mnt = Path(mnt) if mnt else base / "mnt"
        self.mnt.mkdir(parents=True, exist_ok=True)
        self.log_path = base / f"ctrfs-{self.mnt.name}.log"
        self.proc = None
        self.expected = []  # regexes of log lines a test caused on purpose
        self.env = clean_env()

    # ---- the daemon ----

    def start(self, *args, timeout=10.0):
        assert self.exe.is_file(), f"{self.exe} is not built"
        self.log_file = open(self.log_path, "w+")
        # CTRFS_DAEMON_WRAPPER runs the daemon under a tool, e.g. valgrind (tests/valgrind.sh)
        wrapper = shlex.split(os.environ.get("CTRFS_DAEMON_WRAPPER", ""))
        if wrapper:
            timeout *= 6
        self.proc = subprocess.Popen(wrapper + [str(self.exe), "-f", *args, str(self.store),
                                                str(self.mnt)], stdout=self.log_file,
                                     stderr=subprocess.STDOUT, env=self.env)
        end = time.monotonic() + timeout
        while not is_mounted(self.mnt):
            if self.proc.poll() is not None:
                raise AssertionError(f"ctrfs exited with {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > end:
                self.proc.kill()
                raise AssertionError(f"ctrfs did not mount within {timeout}s:\n{self.log()}")
            time.sleep(0.02)
        return self

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def expect(self, pattern):
        """Declares a log line the test causes (a refusal): it must appear, and it is
        then no unexpected complaint."""
        self.expected.append(re.compile(pattern))

    def stop(self, check_log=True):
        """Unmounts as a user would and checks that the daemon ended cleanly and said
        nothing it was not expected to."""
        if self.proc is None:
            return
        um = subprocess.run(["fusermount3", "-u", str(self.mnt)], capture_output=True,
                            text=True)
        try:
            status = self.proc.wait(timeout=10 * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.proc = None
        self.log_file.close()
        assert um.returncode == 0, f"fusermount3 -u: {um.stderr}"
        log = self.log()
        assert status == 0, f"ctrfs exited with {status}:\n{log}"
        if check_log:
            self.check_log(log)

    def check_log(self, log):
        lines = [l for l in log.splitlines() if l.strip()]
        unexpected = [l for l in lines if not any(p.search(l) for p in self.expected)]
        assert not unexpected, "unexpected daemon output:\n" + "\n".join(unexpected)
        for p in self.expected:
            assert any(p.search(l) for l in lines), \
                f"expected a log line matching {p.pattern!r}, got:\n{log}"

    # ---- driving it ----

    def path(self, rel=""):
        return self.mnt / rel

    def sh(self, script, cwd=None, input=None, env=None, timeout=60):
        """Runs a bash script in the mount (or in cwd, relative to it). The timeout
        only stops a hang; it is stretched when the daemon runs under a tool."""
        p = subprocess.run(["bash", "-c", script], cwd=self.mnt / (cwd or ""),
                           input=input, capture_output=True, text=True,
                           env={**self.env, **(env or {})}, timeout=timeout * SLOW)
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, script, **kw):
        r = self.sh(script, **kw)
        assert r.status == 0, f"{script!r}: {r}"
        return r.out

    def fails(self, script, message, **kw):
        """Runs a script that must fail with the tool reporting `message` (an strerror
        text such as "Invalid argument")."""
        assert message, "an empty message matches any failure: name the one expected"
        r = self.sh(script, **kw)
        assert r.status != 0, f"{script!r} should have failed: {r}"
        assert message in r.err, f"{script!r}: expected {message!r} in {r.err!r}"
        return r

    def ctl(self, *args, ns=None, input=None, check=True):
        if not self.store.exists():  # ctrfsctl never makes a store silently
            subprocess.run([str(self.ctl_exe), "init", str(self.store)], check=True,
                           capture_output=True, env=self.env)
        argv = [str(self.ctl_exe), "--store", str(self.store)]
        if ns:
            argv += ["-n", ns]
        p = subprocess.run(argv + [str(a) for a in args], input=input, capture_output=True,
                           env=self.env, timeout=60 * SLOW)
        if check:
            assert p.returncode == 0, f"ctrfsctl {args}: {p.stderr!r}"
        return Result(p.returncode, p.stdout, p.stderr)

    def export(self):
        return self.ctl("export").out

    @contextmanager
    def unchanged(self):
        """The store is exactly as before (a refused change wrote nothing, not even
        UpdatedAt)."""
        before = self.export()
        yield
        # what the kernel sends after close() (RELEASE) must have been handled too
        self.sh(f"cat /proc/self/mountinfo > /dev/null; sync -f {self.mnt}")
        time.sleep(0.1)
        assert self.export() == before, "the store changed"

    def read(self, rel):
        return (self.mnt / rel).read_bytes()

    def text(self, rel):
        return (self.mnt / rel).read_text()


def name_of(key: bytes) -> bytes:
    """The file name ctrfs shows for a label key or extension name (see ctrfs(8),
    NAMES): %XX for '%', '/', a leading '.' and a trailing '~'; "%" for the empty key."""
    if not key:
        return b"%"
    out = b""
    for i, c in enumerate(key):
        if c in b"%/" or (i == 0 and c == ord(".")) or (i == len(key) - 1 and c == ord("~")):
            out += b"%%%02X" % c
        else:
            out += bytes([c])
    return out
