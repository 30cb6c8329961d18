"""Images: imported from containerd's meta.db (the CRI fixture, whose `ctr images ls` output
is recorded), listed by `ctrfsctl images ls` as ctr lists them, labelled with containerd's
rules, carried by export/import, and a store of schema version 1 upgraded in place."""
import json
import subprocess
import shutil
import unicodedata

import pytest

from storetest import Ctl


@pytest.fixture(scope="session")
def cri_dir(source_dir):
    return source_dir / "tests" / "data" / "cri" / "set-d"


@pytest.fixture
def cri(ctl, cri_dir):
    r = ctl("import", "--containerd", cri_dir / "meta.db")
    assert r.status == 0, r
    return ctl


def width(s):
    # Go's tabwriter counts runes; the fixture is ASCII but stay honest
    return sum(0 if unicodedata.combining(c) else 1 for c in s)


def tabwriter(rows):
    """Go's text/tabwriter as ctr uses it (minwidth 1, padding 1, ' ', every cell
    terminated by a tab, so the last column is padded too)."""
    widths = [max(width(r[i]) for r in rows) + 1 for i in range(len(rows[0]))]
    return "".join("".join(c + " " * (w - width(c)) for c, w in zip(r, widths)) + "\n"
                   for r in rows)


def ctr_rows(path):
    """ctr's rows with SIZE and PLATFORMS as ctrfs prints them unbound: "-"."""
    rows = []
    for i, line in enumerate(path.read_text().splitlines()):
        cells = line.split()
        if i == 0:
            rows.append(cells)
        else:  # SIZE is two words ("1005.5 KiB")
            rows.append([cells[0], cells[1], cells[2], "-", "-", cells[6]])
    return rows


@pytest.mark.parametrize("ns,recorded", [("k8s.io", "images.txt"), ("default", "images.default.txt")])
def test_images_ls_prints_ctr_columns_with_what_needs_the_content_store_as_dash(cri, cri_dir, ns,
                                                                                recorded):
    assert cri.ok("-n", ns, "images", "ls") == tabwriter(ctr_rows(cri_dir / recorded))


def test_images_ls_quiet_and_alias(cri, cri_dir):
    refs = [line.split()[0] for line in (cri_dir / "images.txt").read_text().splitlines()[1:]]
    assert cri.ok("-n", "k8s.io", "i", "ls", "-q") == "".join(r + "\n" for r in refs)


def test_images_ls_takes_containerds_image_filters(cri):
    assert cri.ok("-n", "k8s.io", "i", "ls", "-q", "name~=^sha256:").count("\n") == 2
    assert cri.ok("-n", "k8s.io", "i", "ls", "-q", "name==localhost/cri-fixture/pause:1.0",
                  "target.digest~=^sha256:95c9") == (
        "localhost/cri-fixture/busybox:1.0\nlocalhost/cri-fixture/pause:1.0\n"
        "sha256:0accdff9fa2b5a6d33022011522691d4a8b110b192c47135834ef8a754d0eda2\n")
    assert cri.ok("-n", "default", "i", "ls", "-q", 'labels."io.cri-containerd.image"') == ""
    assert cri.ok("-n", "k8s.io", "i", "ls", "-q",
                  'annotations."org.opencontainers.image.ref.name"==1.0').count("\n") == 4
    msg = cri.error("-n", "k8s.io", "i", "ls", "name==")
    assert msg.startswith("failed to list images: ")


def test_image_labels_follow_containerds_rules(cri):
    ref = "localhost/cri-fixture/pause:1.0"
    assert cri.ok("-n", "k8s.io", "i", "label", ref, "tier=infra", "pinned") == (
        "io.cri-containerd.image=managed,pinned=true,tier=infra\n")
    assert cri.ok("-n", "k8s.io", "i", "label", ref, "pinned=") == (
        "io.cri-containerd.image=managed,tier=infra\n")
    with cri.unchanged():
        assert cri.error("-n", "k8s.io", "i", "label", ref, "=v") == (
            'failed to set label ""="v": key required')
        assert cri.error("-n", "k8s.io", "i", "label", ref, "k=" + "v" * 4096).startswith(
            "image.Labels: label key and value greater than maximum size (4096 bytes), key: k")
        assert cri.error("-n", "k8s.io", "i", "label", "nope:1", "k=v") == 'image "nope:1": not found'


def test_dry_run_counts_images_and_a_second_import_names_them(cri, cri_dir):
    with cri.unchanged():
        r = cri("import", "--containerd", "--dry-run", "--skip", cri_dir / "meta.db")
    assert r.status == 0
    assert r.stderr.endswith("; images: 0 imported, 5 skipped\n")
    with cri.unchanged():
        r = cri("-n", "default", "import", "--containerd", cri_dir / "meta.db")
    assert r.status == 1
    assert r.stderr.splitlines()[-1] == ("ctrfsctl: 2 containers already exist (default/cron-sleeper, default/ops-sleeper), and "
                   "1 image already exists (default/localhost/cri-fixture/busybox:1.0); use "
                   "replace or skip: already exists")


def test_export_and_import_carry_images_exactly(cri, new_ctl):
    ref = "localhost/cri-fixture/busybox:1.0"
    # a label that is not UTF-8 travels as exact bytes (the document's "base64")
    r = cri("-n", "default", "i", "label", ref, "raw=caf\udce9".encode("utf-8", "surrogateescape"))
    assert r.status == 0, r
    doc = cri.export()
    images = [i for ns in json.loads(doc)["namespaces"] for i in ns.get("images", [])]
    assert len(images) == 5
    other = new_ctl("other")
    other.ok("import", "-", input=doc)
    assert other.export() == doc
    for ns in ("default", "k8s.io"):
        assert other("-n", ns, "i", "ls").stdout == cri("-n", ns, "i", "ls").stdout


def test_schema1_store_upgrades_in_place_keeping_everything(ctrfsctl, source_dir, tmp_path):
    data = source_dir / "tests" / "data" / "store-schema1"
    store = tmp_path / "store"
    shutil.copytree(data, store, ignore=shutil.ignore_patterns("*.md", "*.json"))
    store.chmod(0o700)
    ctl = Ctl(ctrfsctl, store)
    assert ctl.ok("images", "ls", "-q") == ""
    # the export of the binary that wrote it, byte for byte: nothing was lost
    assert ctl.export() == (data / "export.json").read_text()
    ctl.ok("-n", "team-a", "c", "label", "web1", "upgraded=yes")


def lmdb_put(store, table, key: bytes, value: bytes):
    """One raw record, written with LMDB's own mdb_load as a damaged or hostile writer."""
    def esc(b):
        return "".join(chr(c) if chr(c).isalnum() else "\\%02x" % c for c in b)
    subprocess.run(["mdb_load", "-T", "-s", table, str(store)], check=True,
                   input=f"{esc(key)}\n{esc(value)}\n", text=True)


def test_check_reports_a_damaged_image_record_and_reads_refuse_it(cri):
    lmdb_put(cri.store, "images", b"default\0broken:1", b"\x01garbage")
    r = cri("check")
    assert r.status == 1
    assert 'namespace default: image broken:1: image "broken:1": damaged record' in r.stdout + r.stderr
    msg = cri.error("images", "ls")
    assert msg == 'failed to list images: image "broken:1": damaged record'
