"""The systemd unit (data/ctrfs.service.in): ready only once mounted, hardened, and its
mount seen by the host. No systemd runs here as PID 1, so the unit is checked with
systemd-analyze offline, and its ExecStart is run the way systemd would run it (same
capability bounding set, no_new_privs) to show readiness and visibility."""
import configparser
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", TOP / "build"))
DAEMON = BUILD / "fs" / "ctrfs"

# Options that give the service a mount namespace of its own: a mount made inside it
# would never be seen by the host, so the unit must use none of them.
NAMESPACING = ["ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
               "PrivateMounts", "ProtectKernelTunables", "ProtectKernelModules",
               "ProtectKernelLogs", "ProtectControlGroups", "ProtectProc", "ProcSubset",
               "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem",
               "BindPaths", "BindReadOnlyPaths", "RootDirectory", "RootImage", "MountFlags",
               "PrivateNetwork", "PrivateUsers"]


def unit_text(daemon=DAEMON):
    return (TOP / "data/ctrfs.service.in").read_text().replace("@sbindir@/ctrfs", str(daemon))


def service_settings():
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read_string(unit_text())
    return cp["Service"]


def test_the_unit_waits_for_the_mount_and_gives_no_mount_namespace():
    svc = service_settings()
    assert svc["Type"] == "forking"
    assert " -f " not in svc["ExecStart"] + " "
    used = [k for k in NAMESPACING if k in svc]
    assert not used, f"these would hide the mount from the host: {used}"


@pytest.mark.skipif(not Path("/usr/bin/systemd-analyze").exists(), reason="no systemd-analyze")
def test_the_unit_is_hardened(tmp_path):
    unit = tmp_path / "ctrfs.service"
    unit.write_text(unit_text())
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", str(unit)],
                       capture_output=True, text=True)
    line = next(l for l in r.stdout.splitlines() if "Overall exposure level" in l)
    exposure = float(line.split(":")[1].split()[0])
    assert exposure <= 4.0, r.stdout
    print(f"\nsystemd-analyze security: {exposure} (9.6 before hardening)")


def daemons_on(mnt):
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"ctrfs") and str(mnt).encode() in argv:
                pids.append(int(d.name))
    return pids


def mounted(mnt):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == str(mnt) for line in f)


@pytest.mark.skipif(os.geteuid() != 0 or not DAEMON.exists(), reason="needs root and ctrfs")
def test_execstart_returns_once_the_mount_is_there_under_the_units_limits(tmp_path):
    store, mnt = tmp_path / "store", tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run([str(BUILD / "tools/ctrfsctl"), "init", str(store)], check=True,
                   capture_output=True)
    subprocess.run([str(BUILD / "tools/ctrfsctl"), "--store", str(store), "-n", "default",
                    "containers", "create", "img:1", "c1"], check=True, capture_output=True)
    svc = service_settings()
    env = {"CTRFS_STORE": str(store), "CTRFS_MOUNTPOINT": str(mnt), "CTRFS_OPTIONS": ""}
    argv = [a for a in shlex.split(svc["ExecStart"].replace("${", "$").replace("}", ""))]
    argv = [env.get(a[1:], a) if a.startswith("$") else a for a in argv]
    argv = [a for a in argv if a != ""]
    # systemd's CapabilityBoundingSet= and NoNewPrivileges=, applied the same way
    caps = svc["CapabilityBoundingSet"].lower().replace("cap_", "")
    limits = ["setpriv", "--no-new-privs", f"--bounding-set=-all,+{caps}"]
    try:
        r = subprocess.run(limits + argv, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        # ready means mounted: no wait between the start returning and the files
        assert mounted(mnt), "ExecStart returned before the mount was up"
        assert (mnt / "default/c1/image").read_text() == "img:1\n"
        pids = daemons_on(mnt)
        assert len(pids) == 1, pids
        os.kill(pids[0], signal.SIGTERM)
        end = time.monotonic() + 30
        while mounted(mnt) and time.monotonic() < end:
            time.sleep(0.05)
        assert not mounted(mnt), "SIGTERM (systemctl stop) did not unmount"
    finally:
        if mounted(mnt):
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)])
