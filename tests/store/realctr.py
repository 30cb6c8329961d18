"""A private containerd 1.6 for side-by-side checks with the real `ctr` (never the
system's /run/containerd): its root, state and sockets live in one temporary directory.

    ctrd = Containerd(tmp_dir).start()
    r = ctrd.ctr("containers", "info", "--spec", "c1")   # Result(status, stdout, stderr)
    ctrd.stop()
"""
import os
import shutil
import subprocess
import time
from pathlib import Path

from storetest import Result


def available():
    """Why a containerd cannot be run here, or None."""
    if not (shutil.which("containerd") and shutil.which("ctr")):
        return "containerd and ctr are not installed"
    if os.geteuid() != 0:
        return "containerd needs root"
    return None


class Containerd:
    def __init__(self, base):
        self.base = Path(base)
        self.sock = self.base / "c.sock"
        self.proc = None

    def start(self, timeout=30):
        config = self.base / "config.toml"
        config.write_text(
            "version = 2\n"
            f'root = "{self.base}/root"\n'
            f'state = "{self.base}/state"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            f'[grpc]\n  address = "{self.sock}"\n'
            f'[ttrpc]\n  address = "{self.base}/t.sock"\n')
        self.log = open(self.base / "containerd.log", "w")
        self.proc = subprocess.Popen(["containerd", "-c", str(config)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while self.ctr("version").status != 0:
            assert self.proc.poll() is None, (self.base / "containerd.log").read_text()
            assert time.monotonic() < end, "containerd did not start"
            time.sleep(0.1)
        return self

    def ctr(self, *args, ns=None, timeout=60):
        head = ["ctr", "-a", str(self.sock)] + (["-n", ns] if ns is not None else [])
        p = subprocess.run(head + [str(a) for a in args], capture_output=True, text=True,
                           timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.log.close()
            self.proc = None
