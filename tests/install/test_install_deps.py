"""tools/install-deps on a machine where another apt or dpkg holds apt's locks (a fresh
machine running unattended-upgrades): it waits for them instead of failing."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]

# apt and dpkg lock with fcntl (not flock): hold the same locks the same way
HOLD = textwrap.dedent("""
    import fcntl, os, sys, time
    fds = []
    for p in sys.argv[2:]:
        fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o640)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        fds.append(fd)
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
""")


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists(),
                    reason="needs root and apt-get")
@pytest.mark.parametrize("locks", [["/var/lib/apt/lists/lock"],
                                   ["/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"]],
                         ids=["lists-lock", "dpkg-lock"])
def test_install_deps_waits_for_a_held_apt_lock(locks):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, "5", *locks],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = subprocess.run([str(TOP / "tools/install-deps")], capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stderr
        assert holder.poll() is not None, "install-deps finished while the lock was held"
    finally:
        holder.kill()
        holder.wait()
