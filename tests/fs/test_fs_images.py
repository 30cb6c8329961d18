"""MOUNT/<ns>/.images/<name>/: containerd's images as directories, through a real mount of
the CRI fixture (tests/data/cri/set-d, imported from its meta.db), checked against the
fixture's recorded `ctr images ls` (images.txt, images.default.txt)."""
import os
import shutil
from pathlib import Path

import pytest

from fstest import Mount, name_of, seen

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))

DATA = Path(__file__).resolve().parents[1] / "data"
CRI = DATA / "cri" / "set-d"
SCHEMA1 = DATA / "store-schema1"

BUSYBOX = "localhost/cri-fixture/busybox:1.0"
BUSYBOX_DIR = "k8s.io/.images/" + name_of(BUSYBOX.encode()).decode()


def ctr_images(ns):
    """{REF: (TYPE, DIGEST, {label: value})} of `ctr -n NS images ls` as recorded."""
    text = (CRI / ("images.txt" if ns == "k8s.io" else "images.default.txt")).read_text()
    out = {}
    for line in text.splitlines()[1:]:
        ref, typ, digest, _size, _unit, _platforms, labels = line.split()
        pairs = dict(p.split("=", 1) for p in labels.split(",")) if labels != "-" else {}
        out[ref] = (typ, digest, pairs)
    return out


@pytest.fixture
def k8s(tmp_path):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", CRI / "meta.db")
    m.start()
    yield m
    m.stop()


@pytest.mark.parametrize("ns", ["k8s.io", "default"])
def test_every_image_and_label_is_what_ctr_images_ls_lists(k8s, ns):
    want = ctr_images(ns)
    root = k8s.mnt / ns / ".images"
    names = {name_of(ref.encode()).decode(): ref for ref in want}
    assert sorted(os.listdir(root)) == sorted(names)
    for name, ref in names.items():
        typ, digest, labels = want[ref]
        d = root / name
        assert (d / "target" / "media_type").read_text() == typ + "\n"
        assert (d / "target" / "digest").read_text() == digest + "\n"
        assert int((d / "target" / "size").read_text()) > 0
        assert {f: (d / "labels" / f).read_text() for f in os.listdir(d / "labels")} == {
            name_of(k.encode()).decode(): v + "\n" for k, v in labels.items()}
        assert sorted(os.listdir(d)) == ["created_at", "labels", "target", "updated_at"]


def test_image_files_hold_meta_db_values(k8s):
    d = k8s.mnt / BUSYBOX_DIR
    # meta.db: target/size is the varint de08 (559), annotations beside the target
    assert (d / "target" / "size").read_text() == "559\n"
    assert (d / "target" / "annotations" / "io.containerd.image.name").read_text() == BUSYBOX + "\n"
    assert (d / "target" / "annotations" / "org.opencontainers.image.ref.name").read_text() == "1.0\n"
    assert (d / "created_at").read_text().startswith("2026-11-30T13:34:")
    assert oct((d / "labels").stat().st_mode & 0o777) == "0o755"
    assert oct((d / "target" / "digest").stat().st_mode & 0o777) == "0o444"


def test_images_view_is_not_listed_so_find_never_walks_it(k8s):
    assert ".images" not in os.listdir(k8s.mnt / "k8s.io")
    r = k8s.sh("find k8s.io default | grep -c images || true")
    assert r.out.strip() == "0"
    assert os.path.isdir(k8s.mnt / "k8s.io" / ".images")


def test_container_image_links_to_its_image_directory(k8s):
    link = k8s.mnt / "default" / "ops-sleeper" / ".image"
    assert os.readlink(link) == "../.images/" + name_of(BUSYBOX.encode()).decode()
    assert (link / "target" / "digest").read_text() == ctr_images("default")[BUSYBOX][1] + "\n"
    # not listed: cp -a and rsync of a container copy no link
    assert ".image" not in os.listdir(k8s.mnt / "default" / "ops-sleeper")
    # no link when the namespace does not hold the container's image
    k8s.ctl("c", "create", "docker.io/library/nowhere:1", "lost")
    assert not os.path.lexists(k8s.mnt / "default" / "lost" / ".image")


def images_ls(m, ns):
    return m.ctl("images", "ls", ns=ns).out.decode()


def test_label_written_through_the_mount_is_stored(k8s):
    labels = k8s.mnt / BUSYBOX_DIR / "labels"
    k8s.sh(f"echo pinned > '{labels}/io.cri-containerd.image'")
    k8s.sh(f"echo ops > '{labels}/team'")
    assert "io.cri-containerd.image=pinned,team=ops " in images_ls(k8s, "k8s.io")
    assert sorted(os.listdir(labels)) == ["io.cri-containerd.image", "team"]
    k8s.sh(f"rm '{labels}/team'")
    assert sorted(os.listdir(labels)) == ["io.cri-containerd.image"]
    assert "io.cri-containerd.image=pinned " in images_ls(k8s, "k8s.io")


def test_label_refusals_change_nothing(k8s):
    labels = k8s.mnt / BUSYBOX_DIR / "labels"
    k8s.expect(r"refused \w+ /k8s\.io/\.images/.*/labels/%: failed to set label \"\"=\"v\": "
               r"key required \(EINVAL\)")
    k8s.expect(r"refused \w+ /k8s\.io/\.images/.*/labels/io\.cri-containerd\.image: "
               r"image\.Labels: label key and value greater than maximum size \(4096 bytes\)")
    with k8s.unchanged():
        k8s.fails(f"echo v > '{labels}/%'", "Invalid argument")
        k8s.fails(f"head -c 5000 /dev/zero | tr '\\0' x > '{labels}/io.cri-containerd.image'",
                  "Invalid argument")
    assert (labels / "io.cri-containerd.image").read_text() == "managed\n"
    assert os.listdir(labels) == ["io.cri-containerd.image"]


def test_the_rest_of_the_view_is_read_only(k8s):
    d = k8s.mnt / BUSYBOX_DIR
    k8s.expect(r"refused open /k8s\.io/\.images/.*/target/digest: \.images/ is read-only "
               r"but for each image's labels/.* \(EROFS\)")
    k8s.expect(r"refused unlink /k8s\.io/\.images/.*/created_at: .* \(EROFS\)")
    k8s.expect(r"refused mkdir /k8s\.io/\.images/x: .* \(EROFS\)")
    with k8s.unchanged():
        k8s.fails(f"echo sha256:00 > '{d}/target/digest'", "Read-only file system")
        k8s.fails(f"rm '{d}/created_at'", "Read-only file system")
        k8s.fails(f"mkdir '{k8s.mnt}/k8s.io/.images/x'", "Read-only file system")


def test_view_follows_ctrfsctl_label_changes(k8s):
    labels = k8s.mnt / BUSYBOX_DIR / "labels"
    assert (labels / "io.cri-containerd.image").read_text() == "managed\n"
    assert sorted(os.listdir(labels)) == ["io.cri-containerd.image"]
    ns_mtime = os.stat(k8s.mnt / "k8s.io").st_mtime_ns  # kept by the kernel
    k8s.ctl("images", "label", BUSYBOX, "io.cri-containerd.image=kept", "owner=ops", ns="k8s.io")
    # the namespace changed with its image (its UpdatedAt): the notifier drops its attributes
    seen("namespace time", lambda: os.stat(k8s.mnt / "k8s.io").st_mtime_ns > ns_mtime)
    seen("changed label", lambda: (labels / "io.cri-containerd.image").read_text() == "kept\n")
    seen("new label", lambda: sorted(os.listdir(labels)) == ["io.cri-containerd.image", "owner"])
    k8s.ctl("images", "label", BUSYBOX, "owner=", ns="k8s.io")
    seen("removed label", lambda: not (labels / "owner").exists())


def test_schema1_store_mounts_read_only_without_images(tmp_path):
    """(A read-only mount opens a store it may write for writing, to register as a
    watcher: the store-level read-only open is tests/unit/test_images_store.c's.)"""
    store = tmp_path / "store"
    shutil.copytree(SCHEMA1, store, ignore=shutil.ignore_patterns("*.md", "*.json"))
    m = Mount(BUILD_DIR, tmp_path, store=store)
    m.start("-o", "ro")
    try:
        assert sorted(os.listdir(m.mnt / "team-a")) == [".labels", "web1"]
        assert os.listdir(m.mnt / "team-a" / ".images") == []
        assert not os.path.lexists(m.mnt / "team-a" / "web1" / ".image")
    finally:
        m.stop()


def test_schema1_store_upgrades_when_mounted_to_write(tmp_path):
    store = tmp_path / "store"
    shutil.copytree(SCHEMA1, store, ignore=shutil.ignore_patterns("*.md", "*.json"))
    m = Mount(BUILD_DIR, tmp_path, store=store)
    m.start()
    try:
        assert (m.mnt / "team-a" / "web1" / "image").read_text() == "docker.io/library/nginx:1.25\n"
        assert (m.mnt / "team-a" / "web1" / "labels" / "app").read_text() == "web\n"
        assert os.listdir(m.mnt / "team-a" / ".images") == []
    finally:
        m.stop()
