"""Writing value files (image, snapshot_key) with the shell's tools, and the refusals."""
import errno
import json
import os

import pytest

from fstest import wait_until

C1 = "default/c1/"


def info(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)


def test_echo_sets_the_value_without_its_newline(mnt):
    mnt.ok("echo redis:7 > default/c1/image")
    assert info(mnt)["Image"] == "redis:7"
    assert mnt.text(C1 + "image") == "redis:7\n"


def test_a_write_changes_only_its_field(mnt):
    before = info(mnt)
    mnt.ok("echo other > default/c1/snapshot_key")
    after = info(mnt)
    assert after["SnapshotKey"] == "other"
    assert after["UpdatedAt"] != before["UpdatedAt"]
    for k in ("Labels", "Image", "Spec", "Runtime", "Snapshotter", "CreatedAt"):
        assert after[k] == before[k], k


def test_printf_without_newline_is_the_exact_value(mnt):
    mnt.ok("printf 'a b  ' > default/c1/image")
    assert info(mnt)["Image"] == "a b  "


def test_only_one_trailing_newline_is_dropped(mnt):
    mnt.ok("printf 'two\\n\\n' > default/c1/image")
    assert info(mnt)["Image"] == "two\n"
    assert mnt.read(C1 + "image") == b"two\n\n"


def test_append_adds_to_the_value(mnt):
    mnt.ok("echo more >> default/c1/image")
    assert info(mnt)["Image"] == "docker.io/library/nginx:1.25\nmore"


def test_external_echo_cat_cp_and_tee_write(mnt, tmp_path):
    mnt.ok("/bin/echo one > default/c1/image")
    assert info(mnt)["Image"] == "one"
    mnt.ok("echo two | cat > default/c1/image")
    assert info(mnt)["Image"] == "two"
    (tmp_path / "src").write_text("three\n")
    mnt.ok(f"cp {tmp_path / 'src'} default/c1/image")
    assert info(mnt)["Image"] == "three"
    mnt.ok("echo four | tee default/c1/image > /dev/null")
    assert info(mnt)["Image"] == "four"


def test_writes_at_offsets_behave_as_on_a_regular_file(mnt):
    path = mnt.path(C1 + "image")
    with open(path, "r+b") as f:
        f.seek(10)
        f.write(b"LIBRARY")
    assert info(mnt)["Image"] == "docker.io/LIBRARY/nginx:1.25"


def test_truncate_empties_the_value_at_release(mnt):
    mnt.ok("truncate -s 0 default/c1/image")
    wait_until(lambda: info(mnt)["Image"] == "", what="image cleared")


def test_colon_redirect_empties_the_value(mnt):
    mnt.ok(": > default/c1/snapshot_key")
    wait_until(lambda: info(mnt)["SnapshotKey"] == "", what="snapshot key cleared")


def test_truncation_alone_is_not_committed_before_data(mnt):
    """bash's `echo v > f`: open(O_TRUNC), a flush, then the write."""
    fd = os.open(mnt.path(C1 + "image"), os.O_WRONLY | os.O_TRUNC)
    try:
        os.close(os.dup(fd))  # the early flush
        assert info(mnt)["Image"] == "docker.io/library/nginx:1.25"
        os.write(fd, b"late\n")
        assert info(mnt)["Image"] == "late"
    finally:
        os.close(fd)


def test_fsync_commits_what_is_pending(mnt):
    fd = os.open(mnt.path(C1 + "image"), os.O_WRONLY | os.O_TRUNC)
    try:
        os.fsync(fd)
        assert info(mnt)["Image"] == ""
    finally:
        os.close(fd)


def test_chmod_and_touch_are_accepted_without_effect(mnt):
    # touch opens for writing first (refused on an immutable file), then sets times
    mnt.expect(r"refused open /default/c1/created_at: created_at is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.ok("chmod 600 default/c1/image && touch default/c1/image default/c1/created_at")
        mnt.ok("touch -d 2001-01-01 default/c1/labels/app")
    assert mnt.ok("stat -c %a default/c1/image") == "644\n"


@pytest.mark.parametrize("rel", ["runtime/name", "snapshotter", "sandbox_id", "created_at",
                                 "updated_at"])
def test_immutable_fields_refuse_writes_with_eperm(mnt, rel):
    mnt.expect(rf"refused open /default/c1/{rel}: .* is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.fails(f"echo x > default/c1/{rel}", "Operation not permitted")


def test_immutable_fields_refuse_truncate_with_eperm(mnt):
    mnt.expect(r"refused open /default/c1/snapshotter: snapshotter is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.fails("truncate -s 0 default/c1/snapshotter", "Operation not permitted")


def test_a_nul_byte_is_refused_with_einval(mnt):
    mnt.expect(r"refused write /default/c1/image: a value cannot hold a NUL byte \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails("printf 'a\\0b' > default/c1/image", "Invalid argument")
    assert mnt.text(C1 + "image") == "docker.io/library/nginx:1.25\n"


def test_writing_to_a_deleted_container_fails_with_enoent(mnt):
    mnt.expect(r"refused write /default/c2/image: container \"c2\": not found \(ENOENT\)")
    fd = os.open(mnt.path("default/c2/image"), os.O_WRONLY)
    try:
        mnt.ctl("c", "rm", "c2")
        with pytest.raises(OSError) as e:
            os.write(fd, b"x\n")
        assert e.value.errno == errno.ENOENT
    finally:
        os.close(fd)
    assert mnt.ctl("c", "info", "c2", check=False).status != 0


def test_snapshot_key_needs_the_snapshotter(mnt):
    mnt.expect(r"refused write /default/c2/snapshot_key: .*Snapshotter must be set.* \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails("echo k > default/c2/snapshot_key", "Invalid argument")


def test_rm_clears_an_optional_field(mnt):
    mnt.ok("rm default/c1/image")
    assert info(mnt)["Image"] == ""
    assert mnt.text(C1 + "image") == "\n"


@pytest.mark.parametrize("rel", ["spec.json", "container.json", "created_at", "runtime/name"])
def test_rm_of_a_required_or_immutable_field_fails_with_eperm(mnt, rel):
    mnt.expect(rf"refused unlink /default/c1/{rel}: .* \(EPERM\)")
    with mnt.unchanged():
        mnt.fails(f"rm -f default/c1/{rel}", "Operation not permitted")
