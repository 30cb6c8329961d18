"""Reading the tree: what ls, cat, stat, find, grep and jq see."""
import json
import os
import stat
import subprocess

from fstest import RUNC, seen


def test_tree_lists_namespaces_containers_and_fields(mnt):
    assert mnt.ok("ls") == "default\n"
    assert mnt.ok("ls -A default") == ".labels\nc1\nc2\n"
    assert mnt.ok("ls default/c1").split() == [
        "container.json", "created_at", "extensions", "image", "labels", "runtime",
        "sandbox_id", "snapshot_key", "snapshotter", "spec.json", "updated_at"]
    assert mnt.ok("ls default/c1/labels").split() == ["app", "tier"]
    # ctrfsctl, as ctr, gives a runc container runc's options
    assert mnt.ok("ls default/c1/runtime") == "name\noptions\n"


def test_value_files_read_as_value_and_newline(mnt):
    c1 = "default/c1/"
    assert mnt.text(c1 + "image") == "docker.io/library/nginx:1.25\n"
    assert mnt.text(c1 + "runtime/name") == RUNC + "\n"
    assert mnt.text(c1 + "snapshotter") == "overlayfs\n"
    assert mnt.text(c1 + "snapshot_key") == "snap-c1\n"
    assert mnt.text(c1 + "sandbox_id") == "\n"
    assert mnt.text(c1 + "labels/app") == "web\n"
    assert mnt.text("default/c2/image") == "\n"


def test_times_are_rfc3339_utc_with_nanoseconds(mnt):
    info = json.loads(mnt.ctl("c", "info", "c1").out)
    assert mnt.text("default/c1/created_at") == info["CreatedAt"] + "\n"
    assert mnt.text("default/c1/updated_at") == info["UpdatedAt"] + "\n"
    assert info["CreatedAt"].endswith("Z")


def test_container_json_is_ctr_containers_info(mnt):
    assert mnt.read("default/c1/container.json") == mnt.ctl("c", "info", "c1").out
    assert mnt.ok("jq -r .Runtime.Name default/c1/container.json") == RUNC + "\n"


def test_spec_json_is_the_pretty_printed_spec(mnt):
    spec = mnt.ctl("c", "info", "--spec", "c1").out
    text = mnt.read("default/c1/spec.json")
    assert json.loads(text) == json.loads(spec)
    assert text.startswith(b'{\n    "ociVersion"') and text.endswith(b"}\n")


def test_st_size_is_the_length_read(mnt):
    for rel in ["default/c1/image", "default/c1/spec.json", "default/c1/container.json",
                "default/c1/labels/app", "default/c1/created_at", "default/c2/sandbox_id"]:
        data = mnt.read(rel)
        assert os.stat(mnt.path(rel)).st_size == len(data), rel
        assert mnt.ok(f"wc -c < {rel}").strip() == str(len(data))
        assert mnt.ok(f"tail -c 2 {rel} | od -An -c").split()[-1] == "\\n"


def test_modes_follow_mutability(mnt):
    def mode(rel):
        return stat.S_IMODE(os.stat(mnt.path(rel)).st_mode)
    for rel in ["container.json", "image", "spec.json", "snapshot_key", "labels/app"]:
        assert mode("default/c1/" + rel) == 0o644, rel
    for rel in ["runtime/name", "snapshotter", "sandbox_id", "created_at", "updated_at"]:
        assert mode("default/c1/" + rel) == 0o444, rel
    for rel in ["", "default", "default/.labels", "default/c1", "default/c1/labels",
                "default/c1/runtime", "default/c1/extensions"]:
        st = os.stat(mnt.path(rel))
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755, rel


def test_mtime_is_the_containers_updated_at(mnt):
    out = mnt.ok("stat -c '%y' default/c1 default/c1/image default/c1/labels/app")
    info = json.loads(mnt.ctl("c", "info", "c1").out)
    # stat prints "2024-01-02 03:04:05.123456789 +0000"; UpdatedAt trims trailing zeros
    day, clock = info["UpdatedAt"].rstrip("Z").split("T")
    sec, _, frac = clock.partition(".")
    want = f"{day} {sec}.{frac.ljust(9, '0')} +0000"
    assert out.split("\n")[:3] == [want] * 3


def test_namespace_mtime_is_its_latest_change(mnt):
    before = os.stat(mnt.path("default")).st_mtime_ns
    mnt.ctl("c", "label", "c2", "new=1")
    seen("stat", lambda: os.stat(mnt.path("default")).st_mtime_ns > before)
    after = os.stat(mnt.path("default")).st_mtime_ns
    assert after == os.stat(mnt.path("default/c2")).st_mtime_ns


def test_inode_numbers_are_stable(mnt):
    rels = ["default", "default/c1", "default/c1/image", "default/c1/labels/app"]
    first = [os.stat(mnt.path(r)).st_ino for r in rels]
    # drop the kernel's inodes, so that it has to look everything up again
    subprocess.run(["sh", "-c", "echo 2 > /proc/sys/vm/drop_caches"], check=False)
    assert [os.stat(mnt.path(r)).st_ino for r in rels] == first
    assert len(set(first)) == len(first)
    listed = {e.name: e.inode() for e in os.scandir(mnt.path("default/c1"))}
    assert listed["image"] == first[2]


def test_find_walks_the_whole_tree(mnt):
    out = mnt.ok("find . | sort")
    assert "./default/c1/labels/app" in out.split("\n")
    assert "./default/c2/spec.json" in out.split("\n")
    assert mnt.ok("find . -name image | sort") == "./default/c1/image\n./default/c2/image\n"


def test_grep_searches_values(mnt):
    assert mnt.ok("grep -r nginx . | sort").startswith("./default/c1/container.json:")
    assert mnt.ok("grep -rl -x web default/c1/labels") == "default/c1/labels/app\n"


def test_missing_names_are_enoent(mnt):
    mnt.fails("cat default/c9/image", "No such file or directory")
    mnt.fails("cat default/c1/labels/nope", "No such file or directory")
    mnt.fails("ls nosuchns", "No such file or directory")
    mnt.ctl("c", "create", "--runtime", "io.containerd.kata.v2", "c3")  # no options
    mnt.fails("cat default/c3/runtime/options", "No such file or directory")


def test_changes_by_ctrfsctl_show_at_once(mnt):
    assert mnt.text("default/c1/image").startswith("docker.io")
    for i in range(5):
        mnt.ctl("c", "update", "--image", "x" * (i * 40), "c1")
        assert mnt.text("default/c1/image") == "x" * (i * 40) + "\n"
        seen("stat", lambda: os.stat(mnt.path("default/c1/image")).st_size == i * 40 + 1)
    mnt.ctl("c", "create", "c3")
    seen("ls", lambda: "c3" in os.listdir(mnt.path("default")))
    mnt.ctl("c", "rm", "c3")
    seen("ls", lambda: "c3" not in os.listdir(mnt.path("default")))
    mnt.ctl("c", "label", "c1", "app=")
    seen("ls", lambda: os.listdir(mnt.path("default/c1/labels")) == ["tier"])


def test_an_open_file_reads_one_snapshot(mnt):
    old, new = b"docker.io/library/nginx:1.25\n", b"changed-meanwhile\n"
    fd = os.open(mnt.path("default/c1/image"), os.O_RDONLY)
    try:
        head = os.read(fd, 5)
        mnt.ctl("c", "update", "--image", new.decode().strip(), "c1")
        # a new open reads the new value at once, the open one goes on with its own
        assert mnt.read("default/c1/image") == new
        rest = b""
        while chunk := os.read(fd, 3):
            rest += chunk
        assert head + rest == old
    finally:
        os.close(fd)
    assert os.stat(mnt.path("default/c1/image")).st_size == len(new)


def test_stat_while_open_gives_the_size_the_open_file_reads(mnt):
    """The kernel keeps one size per file for cached reads: while a file is open, stat
    says how long its open content is, so that reads neither stop short nor run on."""
    with open(mnt.path("default/c1/image"), "rb") as f:
        mnt.ctl("c", "update", "--image", "x" * 100, "c1")
        assert os.stat(mnt.path("default/c1/image")).st_size == 29
        assert f.read() == b"docker.io/library/nginx:1.25\n"
    assert os.stat(mnt.path("default/c1/image")).st_size == 101


def test_mmap_and_less_agree_with_cat(mnt):
    import mmap
    with open(mnt.path("default/c1/spec.json"), "rb") as f:
        with mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as m:
            assert m[:] == mnt.read("default/c1/spec.json")
    assert mnt.ok("less -F default/c1/image", env={"TERM": "dumb"}) == \
        mnt.text("default/c1/image")


def test_namespace_labels_read_from_dot_labels(mnt):
    mnt.ctl("ns", "label", "default", "owner=team-a", "empty=")
    # ctrfsctl's KEY= removes; an empty value needs the import path
    seen("ls", lambda: mnt.ok("ls default/.labels") == "owner\n")
    assert mnt.text("default/.labels/owner") == "team-a\n"


def test_runtime_options_read_as_any(mnt, tmp_path):
    opts = tmp_path / "opts"
    opts.write_bytes(b'{"BinaryName":"crun","SystemdCgroup":true}')
    mnt.ctl("c", "create", "--runtime-options", f"runc.v1/Options=@{opts}", "c3")
    text = mnt.text("default/c3/runtime/options")
    assert json.loads(text) == {"type_url": "runc.v1/Options",
                                "json": {"BinaryName": "crun", "SystemdCgroup": True}}
    opts.write_bytes(b"\x00\x01binary\xff")
    mnt.ctl("c", "create", "--runtime-options", f"x/Bin=@{opts}", "c4")
    assert json.loads(mnt.text("default/c4/runtime/options")) == {
        "type_url": "x/Bin", "value": "AAFiaW5hcnn/"}


def test_statfs_works(mnt):
    assert mnt.ok("stat -f -c %l .").strip() == "1024"
    mnt.ok("df .")
