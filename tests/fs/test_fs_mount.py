"""The daemon itself: options, -o ro, allow_other, signals, daemon mode, fstab."""
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pytest

from fstest import SLOW, Mount, is_mounted, wait_until


def test_help_and_version(fs_build_dir):
    exe = str(fs_build_dir / "fs" / "ctrfs")
    h = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert h.returncode == 0 and "Usage: ctrfs [options] STORE MOUNTPOINT" in h.stdout
    assert "runtime=NAME" in h.stdout
    v = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("ctrfs version ")


def test_a_wrong_command_line_exits_2(fs_build_dir, tmp_path):
    exe = str(fs_build_dir / "fs" / "ctrfs")
    r = subprocess.run([exe, str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "Usage:" in r.stderr


@pytest.mark.parametrize("fg", [True, False])
@pytest.mark.parametrize("empty_dir", [False, True])
def test_a_missing_store_fails_clearly_and_creates_nothing(tmp_path, fs_build_dir, fg,
                                                            empty_dir):
    """A mistyped store path: no new, empty store mounted in silence."""
    store, mnt = tmp_path / "typo", tmp_path / "mnt"
    mnt.mkdir()
    if empty_dir:
        store.mkdir()
    try:
        r = subprocess.run([str(fs_build_dir / "fs" / "ctrfs"), *(["-f"] if fg else []),
                            str(store), str(mnt)], capture_output=True, text=True,
                           timeout=10)
    finally:
        if is_mounted(mnt):  # (what it did before: a new store, mounted)
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)])
    assert r.returncode == 1
    assert f"store {store} does not exist" in r.stderr and "-o create" in r.stderr
    assert not is_mounted(mnt)
    assert os.listdir(store) == [] if empty_dir else not store.exists()


def test_a_missing_store_is_created_with_o_create(tmp_path, fs_build_dir):
    m = Mount(fs_build_dir, tmp_path, store=tmp_path / "new" / "store")
    (tmp_path / "new").mkdir()
    m.start("-o", "create")
    try:
        assert os.listdir(m.mnt) == []
        m.ok("mkdir default")
        assert m.ctl("ns", "ls", "-q").out == b"default\n"
    finally:
        m.stop()


def test_an_unusable_store_fails_before_mounting(tmp_path, fs_build_dir):
    (tmp_path / "file").write_text("not a directory")
    r = subprocess.run([str(fs_build_dir / "fs" / "ctrfs"), "-f", str(tmp_path / "file"),
                        str(tmp_path)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert "not a directory" in r.stderr
    assert not is_mounted(tmp_path)


def mounts_at(path):
    real = os.path.realpath(path).replace(" ", "\\040")
    with open("/proc/self/mountinfo") as f:
        return sum(1 for l in f if l.split()[4] == real)


@pytest.mark.parametrize("fg", [True, False])
def test_a_second_mount_on_the_same_mount_point_is_refused(store_only, fg):
    m = store_only.start()
    try:
        r = subprocess.run([str(m.exe), *(["-f"] if fg else []), str(m.store), str(m.mnt)],
                           capture_output=True, text=True, timeout=10)
    finally:
        while mounts_at(m.mnt) > 1:  # (what it did before: a second daemon on top)
            subprocess.run(["fusermount3", "-u", str(m.mnt)])
    assert r.returncode == 1
    assert f"{m.mnt}: already a mount point (fuse.ctrfs {m.store})" in r.stderr
    assert "fusermount3 -u" in r.stderr
    assert mounts_at(m.mnt) == 1, "no second daemon stacked over the first"
    assert m.text("default/c1/labels/app") == "web\n"


def test_a_non_empty_mount_point_is_refused_unless_o_nonempty(store_only):
    m = store_only
    (m.mnt / "mine").write_text("kept\n")
    try:
        r = subprocess.run([str(m.exe), "-f", str(m.store), str(m.mnt)],
                           capture_output=True, text=True, timeout=10)
    finally:
        if is_mounted(m.mnt):  # (what it did before: the files hidden)
            subprocess.run(["fusermount3", "-u", "-z", str(m.mnt)])
    assert r.returncode == 1
    assert f"{m.mnt}: not empty (it holds mine)" in r.stderr and "-o nonempty" in r.stderr
    assert mounts_at(m.mnt) == 0 and (m.mnt / "mine").read_text() == "kept\n"
    m.start("-o", "nonempty")
    assert sorted(os.listdir(m.mnt)) == ["default"]
    m.stop()
    assert (m.mnt / "mine").read_text() == "kept\n"
    (m.mnt / "mine").unlink()


def test_read_only_mount_shows_read_only_modes(store_only):
    m = store_only.start("-o", "ro")
    assert stat.S_IMODE(os.stat(m.path("default/c1/image")).st_mode) == 0o444
    assert stat.S_IMODE(os.stat(m.path("default/c1")).st_mode) == 0o555
    assert m.text("default/c1/labels/app") == "web\n"


@pytest.mark.parametrize("script", [
    "echo x > default/c1/image", "echo x > default/c1/labels/new", "rm default/c1/labels/app",
    "mv default/c1/labels/app default/c1/labels/b", "mkdir default/c3", "rmdir default/c2",
    "mkdir ns2", "touch default/c1/image", "chmod 600 default/c1/image",
    "truncate -s 0 default/c1/image", "echo x > default/c1/scratch",
])
def test_read_only_mount_refuses_every_change_with_erofs(store_only, script):
    m = store_only.start("-o", "ro")
    with m.unchanged():
        m.fails(script, "Read-only file system")


@pytest.fixture
def shared_dir():
    """A mount point other users can reach (pytest's tmp_path is private to root)."""
    d = tempfile.mkdtemp(prefix="ctrfs-shared-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def as_nobody(m, script):
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        "bash", "-c", script], cwd=m.mnt, capture_output=True, text=True,
                       timeout=30)
    return r


def test_allow_other_lets_others_read_but_not_write(store_only, shared_dir):
    m = Mount(store_only.build_dir, store_only.store.parent, store=store_only.store,
              mnt=os.path.join(shared_dir, "mnt"))
    m.start("-o", "allow_other")
    try:
        r = as_nobody(m, "cat default/c1/labels/app")
        assert r.returncode == 0 and r.stdout == "web\n", r
        with m.unchanged():
            r = as_nobody(m, "echo x > default/c1/labels/app")
            assert r.returncode != 0 and "Permission denied" in r.stderr
            r = as_nobody(m, "mkdir default/c3")
            assert r.returncode != 0 and "Permission denied" in r.stderr
        m.ok("echo root-may > default/c1/labels/app")
    finally:
        m.stop()


def test_without_allow_other_others_see_nothing(store_only, shared_dir):
    m = Mount(store_only.build_dir, store_only.store.parent, store=store_only.store,
              mnt=os.path.join(shared_dir, "mnt"))
    m.start()
    try:
        r = as_nobody(m, "ls .")
        assert r.returncode != 0 and "Permission denied" in r.stderr
    finally:
        m.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_unmounts_cleanly(store_only, sig):
    m = store_only.start()
    m.ok("ls default")
    m.proc.send_signal(sig)
    assert m.proc.wait(timeout=10) == 0, m.log()
    assert not is_mounted(m.mnt)
    m.proc = None
    m.log_file.close()
    m.check_log(m.log())



def test_files_still_open_at_a_signal_are_released(store_only):
    # the kernel sends no RELEASE for files open when the daemon stops: their handles
    # are released at exit all the same (valgrind or LeakSanitizer: exit 99 / 1 else)
    m = store_only.start()
    fds = [os.open(m.path("default/c1/labels/app"), os.O_RDONLY),
           os.open(m.path("default/c1/image"), os.O_WRONLY | os.O_TRUNC)]
    try:
        os.write(fds[1], b"img:2\n")
        m.proc.send_signal(signal.SIGTERM)
        assert m.proc.wait(timeout=10 * SLOW) == 0, m.log()
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass
        subprocess.run(["fusermount3", "-u", "-z", str(m.mnt)], capture_output=True)
    m.proc = None
    m.log_file.close()
    m.check_log(m.log())
    assert m.ctl("c", "info", "c1").out.count(b'"Image": "img:2"') == 1

def test_daemon_mode_detaches_and_unmounts(store_only):
    m = store_only
    r = subprocess.run([str(m.exe), str(m.store), str(m.mnt)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    try:
        assert is_mounted(m.mnt)
        assert m.text("default/c1/image") == "docker.io/library/nginx:1.25\n"
        m.ok("echo from-daemon > default/c1/image")
    finally:
        subprocess.run(["fusermount3", "-u", str(m.mnt)], check=True)
    assert m.ctl("c", "info", "c1").out.count(b'"Image": "from-daemon"') == 1


def test_mount_helper_from_fstab(store_only):
    """`STORE MNT fuse.ctrfs defaults 0 0` in fstab: mount(8) runs mount.fuse3, which runs
    `ctrfs STORE MNT -o ...` (found on PATH) with options of its own."""
    m = store_only
    env = dict(m.env, PATH=f"{m.exe.parent}:{os.environ['PATH']}")
    r = subprocess.run(["mount.fuse3", str(m.store), str(m.mnt), "-t", "fuse.ctrfs", "-o",
                        "rw,dev,suid,defaults,noauto,nofail,_netdev,x-systemd.automount"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    try:
        assert is_mounted(m.mnt)
        with open("/proc/self/mountinfo") as f:
            line = next(l for l in f if l.split()[4] == os.path.realpath(m.mnt))
        assert " - fuse.ctrfs " + str(m.store) + " " in line
        assert m.ok("ls default") == "c1\nc2\n"
    finally:
        subprocess.run(["umount", str(m.mnt)], check=True)
    wait_until(lambda: not is_mounted(m.mnt))
