"""Helpers of the containerd client suite: a private containerd, `ctr` and the probe.

    c = Containerd(tmpdir)           # starts containerd with its own config and socket
    c.ctr("c", "create", ..., ns=N)  # the real ctr against it (asserts success)
    rc, out, err = c.probe("c", "get", N, "id")   # ctrd-probe: exit status, JSON, stderr
    out = c.ok("ns", "ls")           # asserts exit status 0

The daemon gets its own config, root, state and sockets in a temp directory; the
system's /run/containerd/containerd.sock is never used. (The runc shim still puts its
socket under /run/containerd/s/, named by a hash of our socket's address; runc keeps its
state under the --runc-root that the tests point into the temp directory.)
"""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("CTRFS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", SOURCE_DIR / "build"))
PROBE = BUILD_DIR / "containerd" / "ctrd-probe"
# tests/valgrind.sh runs the probe under memcheck: a memory error fails the test
PROBE_CMD = os.environ.get("CTRFS_PROBE_WRAPPER", "").split() + [str(PROBE)]


def skip_reason():
    """Why this machine cannot run the suite, or None."""
    if os.geteuid() != 0:
        return "containerd needs root"
    for prog in ("containerd", "ctr", "runc"):
        if not shutil.which(prog):
            return f"{prog} is not installed (apt-get install containerd runc)"
    if not PROBE.exists():
        return "the containerd client is not built (meson found no libnghttp2/libprotobuf-c)"
    return None


class Containerd:
    """A running private containerd: its socket, `ctr` and the probe against it."""

    def __init__(self, tmp, sock=None):
        """SOCK: another socket for a second start on the same root (default c.sock)."""
        self.dir = Path(tmp)
        self.sock = sock or str(self.dir / "c.sock")
        self.runc_root = str(self.dir / "runc")
        self.rootfs = self.dir / "rootfs"
        config = self.dir / ("config.toml" if not sock else "config-2.toml")
        config.write_text(f"""version = 2
root = "{self.dir}/root"
state = "{self.dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{self.dir}/opt"
""")
        self.log = open(self.dir / "containerd.log", "a")
        self.proc = subprocess.Popen(
            ["containerd", "--config", str(config)],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("containerd did not start: " +
                                   (self.dir / "containerd.log").read_text()[-2000:])
            time.sleep(0.05)

    def ctr(self, *args, check=True, ns=None):
        cmd = ["ctr", "-a", self.sock] + (["-n", ns] if ns else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"{cmd} failed: {r.stderr}")
        return r

    def probe(self, *args, address=None, timeout_ms=None):
        """Runs ctrd-probe; returns (exit status, parsed JSON or None, stderr)."""
        cmd = PROBE_CMD + ["-a", address or self.sock]
        if timeout_ms is not None:
            cmd += ["-t", str(timeout_ms)]
        r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60)
        out = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
        return r.returncode, out, r.stderr

    def ok(self, *args):
        rc, out, err = self.probe(*args)
        assert rc == 0, f"ctrd-probe {args}: {err}"
        return out

    def make_rootfs(self):
        """A busybox rootfs with /bin/sleep, for `ctr run --rootfs`."""
        if not self.rootfs.exists():
            (self.rootfs / "bin").mkdir(parents=True)
            shutil.copy("/bin/busybox", self.rootfs / "bin" / "busybox")
            os.symlink("busybox", self.rootfs / "bin" / "sleep")
        return str(self.rootfs)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # shims of our tasks outlive containerd: end those (and only those) by pid
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"containerd-shim" in cmdline and self.sock.encode() in cmdline:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.log.close()
