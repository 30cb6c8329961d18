"""Scratch files: other names created in a container's directories live in memory."""
import errno
import os
import stat

import pytest

C1 = "default/c1/"


def test_a_scratch_file_behaves_like_a_regular_file(mnt):
    with mnt.unchanged():
        mnt.ok("echo one > default/c1/notes && echo two >> default/c1/notes")
        assert mnt.text(C1 + "notes") == "one\ntwo\n"
        assert os.stat(mnt.path(C1 + "notes")).st_size == 8
        mnt.ok("chmod 600 default/c1/notes")
        assert stat.S_IMODE(os.stat(mnt.path(C1 + "notes")).st_mode) == 0o600
        assert "notes" in os.listdir(mnt.path(C1))
        mnt.ok("truncate -s 3 default/c1/notes")
        assert mnt.text(C1 + "notes") == "one"
        mnt.ok("mv default/c1/notes default/c1/labels/.notes")
        assert mnt.text(C1 + "labels/.notes") == "one"
        mnt.ok("rm default/c1/labels/.notes")
    assert "notes" not in os.listdir(mnt.path(C1))


def test_renaming_a_scratch_file_onto_a_field_sets_it(mnt):
    mnt.ok("printf 'from-scratch\\n' > default/c1/tmp1 && mv default/c1/tmp1 default/c1/image")
    assert mnt.text(C1 + "image") == "from-scratch\n"
    assert "tmp1" not in os.listdir(mnt.path(C1))


def test_renaming_a_scratch_file_onto_a_new_key_creates_it(mnt):
    mnt.ok("echo v > default/c1/labels/.tmp && mv default/c1/labels/.tmp default/c1/labels/k")
    assert mnt.ok("ls -A default/c1/labels") == "app\nk\ntier\n"
    assert mnt.text(C1 + "labels/k") == "v\n"


def test_renaming_invalid_content_onto_a_field_fails_and_keeps_both(mnt):
    mnt.expect(r"refused rename /default/c1/spec.json: unexpected end of JSON input "
               r"\(EINVAL\)")
    with mnt.unchanged():
        mnt.ok("echo '{' > default/c1/part")
        with pytest.raises(OSError) as e:
            os.rename(mnt.path(C1 + "part"), mnt.path(C1 + "spec.json"))
        assert e.value.errno == errno.EINVAL
        assert mnt.text(C1 + "part") == "{\n"


def test_renaming_onto_an_immutable_field_fails_with_eperm(mnt):
    mnt.expect(r"refused rename /default/c1/snapshotter: snapshotter is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.ok("echo x > default/c1/part")
        mnt.fails("mv default/c1/part default/c1/snapshotter", "Operation not permitted")


def test_scratch_files_go_with_their_container(mnt):
    mnt.ok("echo x > default/c2/notes && rmdir default/c2 && mkdir default/c2")
    assert "notes" not in os.listdir(mnt.path("default/c2"))


def test_scratch_files_do_not_outlive_the_mount(store_only):
    m = store_only.start()
    m.ok("echo x > default/c1/notes")
    m.stop()
    m.start()
    assert "notes" not in os.listdir(m.path(C1))


def test_unlinked_scratch_file_stays_readable_while_open(mnt):
    mnt.ok("echo keep > default/c1/notes")
    with open(mnt.path(C1 + "notes")) as f:
        os.unlink(mnt.path(C1 + "notes"))
        assert f.read() == "keep\n"
    assert "notes" not in os.listdir(mnt.path(C1))
