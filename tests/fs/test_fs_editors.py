"""Editors and atomic-save tools: each ends in exactly the update meant, with no stray
files or labels (the syscall sequences are in FILESYSTEM.md, "Writing")."""
import json
import os
import pty
import select
import time

import pytest

C1 = "default/c1/"


def info(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)


def assert_only_change(m, before, **changed):
    after = info(m)
    for k, v in changed.items():
        assert after[k] == v, k
    for k in set(before) - set(changed) - {"UpdatedAt"}:
        assert after[k] == before[k], k


def listing(m, rel):
    return sorted(os.listdir(m.path(rel)))


@pytest.fixture
def clean(mnt):
    """Checks at the end that no file was left behind in c1 or its labels/."""
    names = (listing(mnt, C1), listing(mnt, C1 + "labels"), listing(mnt, C1 + "extensions"))
    yield mnt
    assert (listing(mnt, C1), listing(mnt, C1 + "labels"),
            listing(mnt, C1 + "extensions")) == (names[0], names[1], names[2] + EXTRA)


EXTRA = []  # extensions a test adds on purpose


def test_sed_i_edits_a_value(clean):
    before = info(clean)
    clean.ok("sed -i 's/nginx/httpd/' default/c1/image")
    assert_only_change(clean, before, Image="docker.io/library/httpd:1.25")


def test_sed_i_edits_a_label(clean):
    before = info(clean)
    clean.ok("sed -i 's/web/api/' default/c1/labels/app")
    assert_only_change(clean, before, Labels={"app": "api", "tier": "front"})


def test_sed_i_edits_spec_json(clean):
    before = info(clean)
    clean.ok("sed -i 's|\"cwd\": \"/\"|\"cwd\": \"/srv\"|' default/c1/spec.json")
    spec = dict(before["Spec"])
    spec["process"] = dict(spec["process"], cwd="/srv")
    assert_only_change(clean, before, Spec=spec)


def test_sed_i_with_a_broken_result_fails_and_changes_nothing(clean):
    clean.expect(r"refused rename /default/c1/spec.json: invalid character .* \(EINVAL\)")
    with clean.unchanged():
        clean.fails("sed -i 's/{/[/' default/c1/spec.json", "Invalid argument")
    # sed's temporary file stays, as on any filesystem where rename fails
    for name in listing(clean, C1):
        if name.startswith("sed"):
            os.unlink(clean.path(C1 + name))


def test_perl_pi_edits_a_value(clean):
    before = info(clean)
    clean.ok("perl -pi -e 's/1\\.25/1.27/' default/c1/image")
    assert_only_change(clean, before, Image="docker.io/library/nginx:1.27")


def test_python_mkstemp_and_replace(clean):
    import tempfile
    before = info(clean)
    fd, tmp = tempfile.mkstemp(dir=clean.path(C1 + "labels"))
    os.write(fd, b"from-python\n")
    os.close(fd)
    os.replace(tmp, clean.path(C1 + "labels/tier"))
    assert_only_change(clean, before, Labels={"app": "web", "tier": "from-python"})


def test_vim_ex_mode_edits_a_value(clean):
    before = info(clean)
    clean.ok("vim -Es -c '%s/nginx/caddy/' -c wq default/c1/image")
    assert_only_change(clean, before, Image="docker.io/library/caddy:1.25")


def test_vim_with_a_swap_file_edits_a_label(clean):
    before = info(clean)
    clean.ok("vim -u NONE -Es -c 'set swapfile' -c '%s/web/www/' -c wq default/c1/labels/app")
    assert_only_change(clean, before, Labels={"app": "www", "tier": "front"})


@pytest.mark.parametrize("options", ["backupcopy=yes", "backupcopy=no", "backupcopy=auto"])
def test_vim_with_a_backup_while_writing(clean, options):
    """backupskip= : vim skips backups under /tmp, where the test mounts."""
    before = info(clean)
    clean.ok(f"vim -u NONE -Es -c 'set backupskip= writebackup {options}' "
             "-c '%s/web/edited/' -c wq default/c1/labels/app")
    clean.ok(f"vim -u NONE -Es -c 'set backupskip= writebackup {options}' "
             "-c '%s/nginx/edited/' -c wq default/c1/image")
    assert_only_change(clean, before, Labels={"app": "edited", "tier": "front"},
                       Image="docker.io/library/edited:1.25")


def test_vim_rename_backup_of_a_required_field_falls_back_to_copying(clean):
    before = info(clean)
    # rename(spec.json, spec.json~) is refused (a spec is required): vim copies instead
    clean.expect(r"refused rename /default/c1/spec.json: spec.json is a required field "
                 r"\(EPERM\)")
    # and so is its next try, unlink(spec.json), before it writes spec.json in place
    clean.expect(r"refused unlink /default/c1/spec.json: spec.json is a required field "
                 r"\(EPERM\)")
    clean.ok("vim -u NONE -Es -c 'set backupskip= writebackup backupcopy=no' "
             "-c '%s/\"cwd\": \"\\/\"/\"cwd\": \"\\/vim\"/' -c wq default/c1/spec.json")
    spec = dict(before["Spec"])
    spec["process"] = dict(spec["process"], cwd="/vim")
    assert_only_change(clean, before, Spec=spec)


def test_vim_kept_backup_is_a_scratch_file_not_a_label(mnt):
    mnt.ok("vim -u NONE -Es -c 'set backupskip= backup' -c w -c q default/c1/labels/app")
    assert "app~" in listing(mnt, C1 + "labels")
    assert mnt.text(C1 + "labels/app~") == "web\n"
    assert json.loads(mnt.ctl("c", "info", "c1").out)["Labels"] == {"app": "web",
                                                                   "tier": "front"}


def drive(argv, keys, cwd, timeout=10.0):
    """Runs an interactive program on a pseudo-terminal, typing `keys` one by one."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.environ["TERM"] = "xterm"
        os.execvp(argv[0], argv)
    screen = bytearray()

    def pump(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the program closed the terminal
                    data = b""
                if not data:
                    time.sleep(0.05)
                    continue
                screen.extend(data)
    try:
        pump(1.0)
        for k in keys:
            os.write(fd, k)
            pump(0.3)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            pump(0.1)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError(f"{argv} did not exit; screen: {bytes(screen[-2000:])!r}")
    finally:
        os.close(fd)


def test_nano_edits_a_value(clean):
    before = info(clean)
    # at the start of the file: type, write out (^O, Enter), exit (^X)
    assert drive(["nano", "image"], [b"my-", b"\x0f", b"\r", b"\x18"],
                 clean.path(C1)) == 0
    assert_only_change(clean, before, Image="my-docker.io/library/nginx:1.25")


def test_nano_edits_a_label(clean):
    before = info(clean)
    assert drive(["nano", "labels/app"], [b"\x0b", b"nano", b"\x0f", b"\r", b"\x18"],
                 clean.path(C1)) == 0
    assert_only_change(clean, before, Labels={"app": "nano", "tier": "front"})


def test_a_fields_inode_number_survives_editing(clean):
    ino = os.stat(clean.path(C1 + "image")).st_ino
    clean.ok("sed -i 's/nginx/x1/' default/c1/image")
    clean.ok("vim -u NONE -Es -c 'set backupskip= writebackup backupcopy=no' "
             "-c '%s/x1/x2/' -c wq default/c1/image")
    assert clean.text(C1 + "image") == "docker.io/library/x2:1.25\n"
    assert os.stat(clean.path(C1 + "image")).st_ino == ino
