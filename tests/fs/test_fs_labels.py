"""Labels (container and namespace) as files: create, write, unlink, rename, and the
escaping that makes every key a file name."""
import json
import os
import subprocess

import pytest

from fstest import name_of, wait_until

LABELS = "default/c1/labels/"


def labels(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)["Labels"] or {}


def ns_labels(m, ns="default"):
    doc = json.loads(m.export())
    return next(n for n in doc["namespaces"] if n["name"] == ns)["labels"]


def test_echo_to_a_new_name_adds_a_label(mnt):
    mnt.ok("echo v1 > default/c1/labels/new")
    assert labels(mnt) == {"app": "web", "tier": "front", "new": "v1"}


def test_echo_to_a_label_sets_only_that_label(mnt):
    """A write is a labels.<key> update: a label set meanwhile by someone else stays."""
    fd = os.open(mnt.path(LABELS + "app"), os.O_WRONLY | os.O_TRUNC)
    try:
        mnt.ctl("c", "label", "c1", "tier=back", "other=1")
        os.write(fd, b"api\n")
    finally:
        os.close(fd)
    assert labels(mnt) == {"app": "api", "tier": "back", "other": "1"}


def test_rm_deletes_a_label(mnt):
    mnt.ok("rm default/c1/labels/app")
    assert labels(mnt) == {"tier": "front"}
    assert mnt.ok("ls default/c1/labels") == "tier\n"


def test_mv_renames_a_label_in_one_update(mnt):
    seq = mnt.ctl("events", "--no-follow").out.count(b"\n")
    mnt.ok("mv default/c1/labels/app default/c1/labels/role")
    assert labels(mnt) == {"role": "web", "tier": "front"}
    assert mnt.ctl("events", "--no-follow").out.count(b"\n") == seq + 1


def test_mv_over_an_existing_label_replaces_it(mnt):
    mnt.ok("mv default/c1/labels/app default/c1/labels/tier")
    assert labels(mnt) == {"tier": "web"}


def test_mv_to_another_container_moves_the_label(mnt):
    mnt.ok("mv default/c1/labels/app default/c2/labels/app")
    assert labels(mnt) == {"tier": "front"}
    assert labels(mnt, "c2") == {"app": "web"}


def test_cp_copies_a_label(mnt):
    mnt.ok("cp default/c1/labels/app default/c2/labels/copied")
    assert labels(mnt, "c2") == {"copied": "web"}


def test_an_empty_write_deletes_a_container_label(mnt):
    """containerd: an empty value deletes the label."""
    mnt.ok(": > default/c1/labels/app")
    wait_until(lambda: labels(mnt) == {"tier": "front"}, what="label deleted")


def test_touch_makes_an_empty_file_but_no_label(mnt):
    with mnt.unchanged():
        mnt.ok("touch default/c1/labels/later")
        assert mnt.ok("ls default/c1/labels") == "app\nlater\ntier\n"
        assert mnt.read(LABELS + "later") == b""
    mnt.ok("echo now >> default/c1/labels/later")
    assert labels(mnt)["later"] == "now"
    with mnt.unchanged():
        mnt.ok("touch default/c1/labels/gone && rm default/c1/labels/gone")
    assert mnt.ok("ls default/c1/labels") == "app\nlater\ntier\n"


def test_an_over_long_label_is_refused_with_einval(mnt):
    mnt.expect(r"refused write /default/c1/labels/big: .*greater than maximum size.* \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails("head -c 5000 /dev/zero | tr '\\0' x > default/c1/labels/big",
                  "Invalid argument")


def test_a_label_cannot_be_added_to_a_missing_container(mnt):
    mnt.fails("echo v > default/c9/labels/k", "No such file or directory")


def test_dot_names_in_labels_are_scratch_files_not_labels(mnt):
    with mnt.unchanged():
        mnt.ok("echo x > default/c1/labels/.hidden && echo y > default/c1/labels/app~")
        assert mnt.ok("ls -A default/c1/labels") == ".hidden\napp\napp~\ntier\n"
        assert mnt.text(LABELS + ".hidden") == "x\n"
        mnt.ok("rm default/c1/labels/.hidden default/c1/labels/app~")
    assert mnt.ok("ls -A default/c1/labels") == "app\ntier\n"


def test_namespace_labels_are_files_too(mnt):
    mnt.ok("echo team-a > default/.labels/owner")
    assert ns_labels(mnt) == {"owner": "team-a"}
    mnt.ok("mv default/.labels/owner default/.labels/team")
    assert ns_labels(mnt) == {"team": "team-a"}
    mnt.ok("echo v > default/.labels/empty")
    mnt.ok(": > default/.labels/empty")  # an empty value deletes, as containerd's SetLabel
    wait_until(lambda: ns_labels(mnt) == {"team": "team-a"})
    mnt.ok("rm default/.labels/team")
    assert ns_labels(mnt) == {}


# ---- names ----

ODD_KEYS = ["a/b", ".", "..", ".hidden", "..x", "with space", "tab\there", "ключ",
            "emoji-\U0001F600", "100%", "%2F", "x~", "~", "a.b.c", "containerd.io/restart",
            "-", "a\nb"]


def test_odd_keys_made_by_ctrfsctl_read_through_the_mount(mnt):
    mnt.ctl("c", "label", "c2", *[f"{k}=v-{i}" for i, k in enumerate(ODD_KEYS)])
    names = os.listdir(os.fsencode(mnt.path("default/c2/labels")))
    assert sorted(names) == sorted(name_of(k.encode()) for k in ODD_KEYS)
    for i, k in enumerate(ODD_KEYS):
        path = os.fsencode(mnt.path("default/c2/labels")) + b"/" + name_of(k.encode())
        assert open(path, "rb").read() == f"v-{i}\n".encode(), k


def test_odd_keys_made_through_the_mount_reach_the_store(mnt):
    base = os.fsencode(mnt.path("default/c2/labels")) + b"/"
    for i, k in enumerate(ODD_KEYS):
        with open(base + name_of(k.encode()), "wb") as f:
            f.write(f"v-{i}\n".encode())
    assert labels(mnt, "c2") == {k: f"v-{i}" for i, k in enumerate(ODD_KEYS)}


def test_the_empty_key_named_percent_is_refused_as_containerd_refuses_it(mnt):
    # bolt takes no empty key: containerd fails with "key required"
    mnt.expect(r'refused write /default/c2/labels/%: .*failed to set label ""="v": '
               r'key required \(EINVAL\)')
    with mnt.unchanged():
        mnt.fails("echo v > default/c2/labels/%", "Invalid argument")


def every_byte_keys():
    """Each byte 1..255 alone, leading, inside and trailing a key."""
    keys = []
    for b in range(1, 256):
        c = bytes([b])
        keys += [c, c + b"lead", b"in" + c + b"side", b"trail" + c]
    return keys


def set_labels(m, cid, pairs):
    """Sets labels with raw byte keys through ctrfsctl (KEY=VALUE splits at the first
    '=', so keys holding '=' go through a JSON update, which needs valid UTF-8)."""
    plain = [(k, v) for k, v in pairs if b"=" not in k]
    args = [k + b"=" + v for k, v in plain]
    for i in range(0, len(args), 200):
        p = subprocess.run([str(m.ctl_exe), "--store", str(m.store), "c", "label", cid,
                            *args[i:i + 200]], capture_output=True)
        assert p.returncode == 0, p.stderr
    for k, v in pairs:
        if b"=" in k:
            doc = json.loads(m.ctl("c", "info", cid).out)
            doc["Labels"] = {**(doc["Labels"] or {}), k.decode(): v.decode()}
            m.ctl("c", "update", "--from-json", "-", "--path", "labels." + k.decode(), cid,
                  input=json.dumps(doc).encode())


def stored_labels(m, cid):
    """The labels as raw bytes: `ctrfsctl c label ID` prints KEY=VALUE lines; with the
    values below ("<n>.") each pair is found by its exact bytes."""
    return m.ctl("c", "label", cid).out


def test_every_byte_value_round_trips_from_ctrfsctl_to_the_mount(mnt):
    keys = every_byte_keys()
    set_labels(mnt, "c2", [(k, b"%d." % i) for i, k in enumerate(keys)])
    base = os.fsencode(mnt.path("default/c2/labels")) + b"/"
    names = set(os.listdir(base))
    assert names == {name_of(k) for k in keys}
    for i, k in enumerate(keys):
        assert open(base + name_of(k), "rb").read() == b"%d.\n" % i, k


def test_every_byte_value_round_trips_from_the_mount_to_the_store(mnt):
    keys = every_byte_keys()
    base = os.fsencode(mnt.path("default/c2/labels")) + b"/"
    for i, k in enumerate(keys):
        with open(base + name_of(k), "wb") as f:
            f.write(b"%d.\n" % i)
    out = stored_labels(mnt, "c2")
    assert out.count(b".\n") == len(keys)
    for i, k in enumerate(keys):
        assert k + b"=%d.\n" % i in out, k


def test_a_namespace_label_cannot_bring_back_a_deleted_namespace(mnt):
    mnt.expect(r'refused write /prod/.labels/k: namespace "prod": not found \(ENOENT\)')
    mnt.ok("mkdir prod && echo v > prod/.labels/k")
    fd = os.open(mnt.path("prod/.labels/k"), os.O_WRONLY)
    try:
        mnt.ctl("ns", "rm", "prod")
        with pytest.raises(OSError) as e:
            os.write(fd, b"again\n")
        assert e.value.errno == 2
    finally:
        os.close(fd)
    assert mnt.ctl("ns", "ls", "-q").out == b"default\n"


def test_a_created_key_file_renamed_to_a_backup_name_stays_a_file(mnt):
    with mnt.unchanged():
        mnt.ok("touch default/c1/labels/new && mv default/c1/labels/new default/c1/labels/new~")
        assert mnt.ok("ls default/c1/labels") == "app\nnew~\ntier\n"
        mnt.ok("rm default/c1/labels/new~")
