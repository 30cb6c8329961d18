"""Images of a store bound to a private containerd (issues 13 and 14): the sync and the
follower mirror containerd's image records exactly, label writes through the mount and
ctrfsctl are containerd's Images.Update, and `ctrfsctl images ls` prints what
`ctr images ls` prints, SIZE and PLATFORMS included."""
import json
import re
import signal
import subprocess
import time

import pytest

import ociimage
from ctrdtest import BUILD_DIR, Containerd
from test_binding import bound, bound_mount, create_with_ctr, eventually, read_or_none  # noqa: F401

TINY = "docker.io/library/tiny:1"
MULTI = "example.com/multi:3"
CTL = BUILD_DIR / "tools" / "ctrfsctl"


def dirname(name):
    """The image's directory name in .images/: '/' (and '%') escaped as label keys."""
    return name.replace("%", "%25").replace("/", "%2F")


def import_images(containerd, ns, tmp_path, names):
    tar = tmp_path / f"images-{len(list(tmp_path.iterdir()))}.tar"
    built = ociimage.build(tar, names)
    containerd.ctr("images", "import", "--no-unpack", str(tar), ns=ns)
    return built.names


@pytest.fixture
def two(containerd, ns, tmp_path):
    """TINY and MULTI imported into NS before the mount starts."""
    return import_images(containerd, ns, tmp_path, {
        TINY: ociimage.Image(),
        MULTI: ociimage.MultiArch([ociimage.Image(layers=({"x": b"amd64\n"},)),
                                   ociimage.Image(layers=({"x": b"arm64\n"},),
                                                  arch="arm64")]),
    })


def rfc3339(t):
    """Go's RFC3339Nano in UTC of a probe timestamp."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t["seconds"]))
    frac = ("%09d" % t["nanos"]).rstrip("0") if t["nanos"] else ""
    return base + ("." + frac if frac else "") + "Z"


def image_dir(m, ns, name):
    return m.mnt / ns / ".images" / dirname(name)


def labels_of(m, ns, name):
    d = image_dir(m, ns, name) / "labels"
    try:
        return {p.name: p.read_text().removesuffix("\n") for p in d.iterdir()}
    except OSError:
        return None


def ctr_labels(containerd, ns, name):
    return containerd.ok("i", "get", ns, name)["labels"]


def ctl(store, *args, ns=None):
    argv = [str(CTL), "--store", str(store)] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


# ---- the sync and the follower ----

def test_mount_shows_containerds_images(containerd, ns, two, bound):
    containerd.ctr("images", "label", TINY, "env=prod", ns=ns)
    assert eventually(lambda: labels_of(bound, ns, TINY), {"env": "prod"}) == {"env": "prod"}
    names = sorted(p.name for p in (bound.mnt / ns / ".images").iterdir())
    assert names == sorted(dirname(n) for n in
                           containerd.ctr("images", "ls", "-q", ns=ns).stdout.split())
    for name in (TINY, MULTI):
        want = containerd.ok("i", "get", ns, name)
        d = image_dir(bound, ns, name)
        assert (d / "target" / "digest").read_text() == want["target"]["digest"] + "\n"
        assert (d / "target" / "media_type").read_text() == want["target"]["media_type"] + "\n"
        assert (d / "target" / "size").read_text() == f"{want['target']['size']}\n"
        assert (d / "created_at").read_text() == rfc3339(want["created_at"]) + "\n"
        assert (d / "updated_at").read_text() == rfc3339(want["updated_at"]) + "\n"
        assert labels_of(bound, ns, name) == want["labels"]
        annotations = {p.name: p.read_text().removesuffix("\n")
                       for p in (d / "target" / "annotations").iterdir()}
        assert annotations == {dirname(k): v for k, v in want["target"]["annotations"].items()}


def test_first_sync_mirrors_images_and_drops_what_containerd_lacks(containerd, ns, two,
                                                                    tmp_path):
    store = tmp_path / "s.lmdb"
    r = ctl(store, "bind", containerd.sock)
    assert r.returncode == 0 and " images (" in r.stderr, r
    got = ctl(store, "images", "ls", "-q", ns=ns)
    assert got.stdout.split() == sorted([TINY, MULTI]), got
    containerd.ctr("images", "rm", MULTI, ns=ns)
    r = ctl(store, "sync")
    assert r.returncode == 0 and "1 removed" in r.stderr, r
    assert ctl(store, "images", "ls", "-q", ns=ns).stdout.split() == [TINY]
    # a sync with nothing changed writes nothing
    assert "(0 written, 0 removed)" in ctl(store, "sync").stderr


def test_ctr_label_tag_rm_are_seen_at_once(containerd, ns, two, bound):
    containerd.ctr("images", "label", TINY, "team=a", "k=v", ns=ns)
    want = {"team": "a", "k": "v"}
    assert eventually(lambda: labels_of(bound, ns, TINY), want) == want
    containerd.ctr("images", "label", TINY, "k=", ns=ns)
    assert eventually(lambda: labels_of(bound, ns, TINY), {"team": "a"}) == {"team": "a"}
    containerd.ctr("images", "tag", TINY, "example.com/copy:1", ns=ns)
    copy = image_dir(bound, ns, "example.com/copy:1")
    assert eventually(lambda: read_or_none(copy / "target" / "digest"),
                      two[TINY].top.digest) == two[TINY].top.digest
    containerd.ctr("images", "rm", TINY, ns=ns)
    assert eventually(lambda: image_dir(bound, ns, TINY).exists(), False) is False
    assert (copy / "target" / "digest").exists()


def test_image_imported_while_mounted_appears(containerd, ns, bound, tmp_path):
    containerd.ctr("ns", "create", ns)
    assert eventually(lambda: (bound.mnt / ns).is_dir(), True)
    built = import_images(containerd, ns, tmp_path, {"example.com/late:1": ociimage.Image()})
    digest = built["example.com/late:1"].top.digest
    f = image_dir(bound, ns, "example.com/late:1") / "target" / "digest"
    assert eventually(lambda: read_or_none(f), digest) == digest


# ---- writes go to containerd ----

def test_label_write_through_the_mount_reaches_containerd(containerd, ns, two, bound):
    before = containerd.ok("i", "get", ns, TINY)
    labels = image_dir(bound, ns, TINY) / "labels"
    bound.ok(f"echo v > '{labels}/k' && echo 2 > '{labels}/n'")
    assert ctr_labels(containerd, ns, TINY) == {"k": "v", "n": "2"}
    row = [l for l in containerd.ctr("images", "ls", ns=ns).stdout.splitlines()
           if l.startswith(TINY + " ")]
    assert row and row[0].split()[-1] == "k=v,n=2"
    after = containerd.ok("i", "get", ns, TINY)
    assert after["created_at"] == before["created_at"]
    # containerd's answer is mirrored before the write returns: its updated_at at once
    assert (image_dir(bound, ns, TINY) / "updated_at").read_text() == \
        rfc3339(after["updated_at"]) + "\n"
    bound.ok(f"rm '{labels}/n'")
    assert ctr_labels(containerd, ns, TINY) == {"k": "v"}
    assert labels_of(bound, ns, TINY) == {"k": "v"}


def test_ctrfsctl_image_label_on_a_bound_store(containerd, ns, two, bound):
    r = bound.ctl("images", "label", MULTI, "by=ctl", "x=1", ns=ns)
    assert r.out == b"by=ctl,x=1\n"
    assert ctr_labels(containerd, ns, MULTI) == {"by": "ctl", "x": "1"}
    bound.ctl("images", "label", MULTI, "x=", ns=ns)
    assert ctr_labels(containerd, ns, MULTI) == {"by": "ctl"}
    assert labels_of(bound, ns, MULTI) == {"by": "ctl"}


def test_the_stores_own_label_check_comes_first(containerd, ns, two, bound):
    labels = image_dir(bound, ns, TINY) / "labels"
    bound.expect(r"refused .*labels/big: .*greater than maximum size")
    with bound.unchanged():
        bound.fails(f"printf %5000s x > '{labels}/big'", "Invalid argument")
    assert ctr_labels(containerd, ns, TINY) == {}


def test_containerds_refusal_is_the_error_and_nothing_changes(containerd, ns, two, tmp_path):
    # a store bound and synced, then not following: containerd removes the image
    # meanwhile, and the label write is containerd's NotFound
    store = tmp_path / "s.lmdb"
    assert ctl(store, "bind", containerd.sock).returncode == 0
    containerd.ctr("images", "rm", TINY, ns=ns)
    before = ctl(store, "export").stdout
    r = ctl(store, "images", "label", TINY, "k=v", ns=ns)
    assert r.returncode != 0
    assert r.stderr.strip() == f'ctrfsctl: image "{TINY}": not found', r
    assert ctl(store, "export").stdout == before
    # and on containerd's side nothing was made
    assert TINY not in containerd.ctr("images", "ls", "-q", ns=ns).stdout.split()


def test_a_write_while_containerd_is_away_is_eio(containerd, ns, two, tmp_path):
    store = tmp_path / "s.lmdb"
    assert ctl(store, "bind", containerd.sock).returncode == 0
    gone = str(tmp_path / "gone.sock")
    assert ctl(store, "bind", "--no-sync", gone).returncode == 0
    before = ctl(store, "export").stdout
    r = ctl(store, "images", "label", TINY, "k=v", ns=ns)
    assert r.returncode != 0 and f"containerd unreachable at {gone}" in r.stderr, r
    assert ctl(store, "export").stdout == before
    assert ctr_labels(containerd, ns, TINY) == {}


# ---- ctrfsctl images ls is ctr images ls ----

def test_ctrfsctl_images_ls_is_ctr_images_ls(containerd, ns, two, bound, tmp_path):
    import_images(containerd, ns, tmp_path, {
        "example.com/docker:4": ociimage.Image(layers=({"d": b"d" * 5000},), docker=True)})
    containerd.ctr("images", "label", TINY, "b=2", "a=1", ns=ns)
    want = containerd.ctr("images", "ls", ns=ns).stdout
    assert eventually(lambda: bound.ctl("images", "ls", ns=ns).out.decode(), want) == want
    assert "linux/amd64,linux/arm64" in want and "KiB" in want
    quiet = containerd.ctr("images", "ls", "-q", ns=ns).stdout
    assert bound.ctl("images", "ls", "-q", ns=ns).out.decode() == quiet


# ---- a container's image ----

def test_a_containers_image_link_resolves_when_containerd_has_it(containerd, ns, two, bound):
    create_with_ctr(containerd, ns, "web", seen=bound)
    link = bound.mnt / ns / "web" / ".image"
    assert not link.exists()
    bound.ok(f"echo {TINY} > {ns}/web/image")
    assert json.loads(containerd.ctr("c", "info", "web", ns=ns).stdout)["Image"] == TINY
    assert (link / "target" / "digest").read_text() == two[TINY].top.digest + "\n"
    containerd.ctr("images", "rm", TINY, ns=ns)
    assert eventually(lambda: link.exists(), False) is False


def test_a_label_write_through_the_mount_while_containerd_is_away(tmp_path):
    (tmp_path / "ctrd").mkdir()
    c = Containerd(tmp_path / "ctrd")
    m = None
    try:
        import_images(c, "n1", tmp_path, {TINY: ociimage.Image()})
        m = bound_mount(c, tmp_path)
        labels = image_dir(m, "n1", TINY) / "labels"
        m.ok(f"echo 1 > '{labels}/k'")
        c.proc.send_signal(signal.SIGKILL)
        c.proc.wait()
        m.expect(r"containerd unreachable at .*serving the mirror")
        m.expect(r"refused .*/labels/k: containerd unreachable at " + re.escape(c.sock))
        with m.unchanged():
            m.fails(f"echo 2 > '{labels}/k'", "Input/output error")
        assert (labels / "k").read_text() == "1\n"
    finally:
        if m:
            m.stop()
        c.stop()
        subprocess.run(["umount", "-R", "-l", f"{tmp_path}/ctrd/state"], capture_output=True)
