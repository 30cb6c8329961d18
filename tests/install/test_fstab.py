"""An /etc/fstab line of type fuse.ctrfs works with the installed daemon: mount(8) runs
mount.fuse3, which runs `ctrfs` through /bin/sh, with whatever PATH mount(8) gives its
helpers. The daemon is put where `meson install` puts it (/usr/local/sbin) for the
test and mount(8) is run with a minimal environment, as at boot."""
import os
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", TOP / "build"))
DAEMON = BUILD / "fs" / "ctrfs"
INSTALLED = Path("/usr/local/sbin/ctrfs")


@pytest.mark.skipif(os.geteuid() != 0 or not DAEMON.exists()
                    or not Path("/sbin/mount.fuse3").exists(),
                    reason="needs root, ctrfs and mount.fuse3")
def test_fstab_style_mount_finds_the_installed_daemon(tmp_path):
    if INSTALLED.exists() or INSTALLED.is_symlink():
        pytest.skip(f"{INSTALLED} exists already; not replacing it")
    store, mnt = tmp_path / "store", tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run([str(BUILD / "tools/ctrfsctl"), "init", str(store)], check=True,
                   capture_output=True)
    subprocess.run([str(BUILD / "tools/ctrfsctl"), "--store", str(store), "-n", "default",
                    "containers", "create", "img:1", "c1"], check=True, capture_output=True)
    INSTALLED.symlink_to(DAEMON)
    try:
        r = subprocess.run(["/bin/mount", "-t", "fuse.ctrfs", "-o", "defaults,allow_other",
                            str(store), str(mnt)], env={"PATH": "/bin"},
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert (mnt / "default/c1/image").read_text() == "img:1\n"
        r = subprocess.run(["/bin/umount", str(mnt)], env={"PATH": "/bin"},
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
    finally:
        INSTALLED.unlink()
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
