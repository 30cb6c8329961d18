"""Removing a container with rm -r and friends: all or nothing (removal.h).

rm -r unlinks a directory's files in the order it lists them and never removes the
directory once one of them failed; container.json is listed first and cannot be
removed, so the rest of that walk is refused too and the container stays whole."""
import json

PIECEMEAL = r"this process was refused removing another file of the container"


def info(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)


def topics_since(m, seq):
    out = m.ctl("events", "--since", seq, "--no-follow").out.decode().splitlines()
    return [(e["topic"], e["event"]["id"]) for e in map(json.loads, out)]


def last_seq(m):
    out = m.ctl("events", "--since", 0, "--no-follow").out.decode().splitlines()
    return json.loads(out[-1])["seq"] if out else 0


def expect_walk_refused(m, cid="c1"):
    m.expect(rf"refused unlink /default/{cid}/container.json: .* required field \(EPERM\)")
    m.expect(rf"refused (unlink|rmdir) /default/{cid}/\S+: {PIECEMEAL}.* \(EPERM\)")


def test_rm_rf_of_a_container_changes_nothing(mnt):
    mnt.ok("echo '{\"type_url\": \"t/x\", \"value\": \"YWJj\"}' > default/c1/extensions/ext")
    expect_walk_refused(mnt)
    with mnt.unchanged():
        r = mnt.fails("rm -rf default/c1", "Operation not permitted")
    # every label, the image and the snapshot key are still there
    assert "cannot remove 'default/c1/labels/app'" in r.err
    doc = info(mnt)
    assert doc["Labels"] == {"app": "web", "tier": "front"}
    assert doc["Image"] == "docker.io/library/nginx:1.25"
    assert doc["SnapshotKey"] == "snap-c1"
    assert list(doc["Extensions"]) == ["ext"]


def test_rm_rf_of_a_containers_files_by_glob_changes_nothing(mnt):
    expect_walk_refused(mnt)
    with mnt.unchanged():
        mnt.fails("rm -rf default/c1/*", "Operation not permitted")


def test_find_delete_deletes_the_whole_container(mnt):
    # find -delete removes the directory even after its files failed: rmdir deletes the
    # container, which was whole until then
    expect_walk_refused(mnt)
    seq = last_seq(mnt)
    r = mnt.sh("find default/c1 -delete")
    assert "cannot delete" in r.err
    assert mnt.ctl("c", "ls", "-q").out.split() == [b"c2"]
    assert topics_since(mnt, seq) == [("/containers/delete", "c1")]


def test_rmtree_ignoring_errors_deletes_the_whole_container(mnt):
    # shutil.rmtree(ignore_errors=True) tries the directory itself at the end: rmdir
    # deletes the container, which was whole until then
    expect_walk_refused(mnt)
    seq = last_seq(mnt)
    mnt.ok("python3 -c 'import shutil; shutil.rmtree(\"default/c1\", ignore_errors=True)'")
    assert mnt.ctl("c", "ls", "-q").out.split() == [b"c2"]
    assert topics_since(mnt, seq) == [("/containers/delete", "c1")]
    assert mnt.ok("ls default") == "c2\n"


def test_other_processes_still_remove_files_one_by_one(mnt):
    expect_walk_refused(mnt)
    mnt.fails("rm -rf default/c1", "Operation not permitted")
    mnt.ok("rm default/c1/labels/app && rm default/c1/image")
    doc = info(mnt)
    assert doc["Labels"] == {"tier": "front"} and doc["Image"] == ""


def test_rm_r_of_a_container_made_anew_is_refused_again(mnt):
    expect_walk_refused(mnt, "c2")
    mnt.fails("rm -rf default/c2", "Operation not permitted")
    mnt.ok("rmdir default/c2 && mkdir default/c2 && echo v > default/c2/labels/k")
    with mnt.unchanged():
        mnt.fails("rm -rf default/c2", "Operation not permitted")
    assert info(mnt, "c2")["Labels"] == {"k": "v"}


def test_rm_r_labels_removes_each_label_and_keeps_the_directory(mnt):
    mnt.expect(r"refused rmdir /default/c1/labels: part of a container and always there "
               r"\(rmdir of the container deletes it all\) \(EPERM\)")
    mnt.fails("rm -r default/c1/labels", "Operation not permitted")
    assert info(mnt)["Labels"] is None
    assert mnt.ok("ls -A default/c1/labels") == ""
    mnt.ok("echo v > default/c1/labels/new")
    assert info(mnt)["Labels"] == {"new": "v"}
