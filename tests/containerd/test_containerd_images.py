"""The containerd client's Images service against a real containerd: images imported
with `ctr images import` (OCI tarballs made by ociimage.py) are seen as `ctr images ls`
shows them, the client's writes are what ctr then shows, containerd's refusals come
back unchanged, and /images/ events name their image."""
import json

import pytest

import ociimage
from test_containerd_client import Events, ctr_error, error

TINY = "docker.io/library/tiny:1"
OTHER = "example.com/other:2"
MULTI = "example.com/multi:3"
DOCK = "docker.io/library/dock:4"


@pytest.fixture
def images(containerd, ns, tmp_path):
    """Imports TINY, OTHER (two layers), MULTI (an index over linux/amd64 and
    linux/arm64) and DOCK (Docker's media types) into NS; returns the Built tarball's
    names -> images."""
    built = ociimage.build(tmp_path / "images.tar", {
        TINY: ociimage.Image(),
        OTHER: ociimage.Image(layers=({"a": b"a" * 3000}, {"b": b"b\n"})),
        MULTI: ociimage.MultiArch([ociimage.Image(layers=({"x": b"amd64\n"},)),
                                   ociimage.Image(layers=({"x": b"arm64\n"},),
                                                  arch="arm64")]),
        DOCK: ociimage.Image(layers=({"d": b"docker\n"},), docker=True),
    })
    containerd.ctr("images", "import", "--no-unpack", str(tmp_path / "images.tar"), ns=ns)
    return built.names


def ctr_images(containerd, ns, *filters):
    """`ctr images ls` as {name: {type, digest, size, platforms, labels}}."""
    out = {}
    lines = containerd.ctr("images", "ls", *filters, ns=ns).stdout.splitlines()
    for line in lines[1:]:
        # REF TYPE DIGEST SIZE ("10.5 KiB": two words) PLATFORMS LABELS
        ref, typ, digest, num, unit, plats, labels = line.split()
        out[ref] = {
            "type": typ, "digest": digest, "size": f"{num} {unit}",
            "platforms": plats,
            "labels": {} if labels == "-" else dict(kv.split("=", 1)
                                                     for kv in labels.split(",")),
        }
    return out


def seen(img):
    """A probe image as the ctr_images columns that come from the image record."""
    return {"type": img["target"]["media_type"], "digest": img["target"]["digest"],
            "labels": img["labels"]}


def record_columns(ctr):
    return {name: {k: v for k, v in cols.items() if k in ("type", "digest", "labels")}
            for name, cols in ctr.items()}


def test_images_list_is_what_ctr_lists(containerd, ns, images):
    containerd.ctr("images", "label", TINY, "env=prod", "team=a", ns=ns)
    got = {i["name"]: seen(i) for i in containerd.ok("i", "ls", ns)}
    assert got == record_columns(ctr_images(containerd, ns))
    assert set(got) == {TINY, OTHER, MULTI, DOCK}
    assert got[TINY]["labels"] == {"env": "prod", "team": "a"}
    for name, img in images.items():
        assert got[name]["digest"] == img.top.digest
        assert got[name]["type"] == img.top.media_type


def test_images_list_filters_are_containerds(containerd, ns, images):
    containerd.ctr("images", "label", OTHER, "env=prod", ns=ns)
    for f in ('labels."env"==prod', 'name~="example.com/"',
              f'target.mediatype=="{ociimage.INDEX}"'):
        got = {i["name"]: seen(i) for i in containerd.ok("i", "ls", ns, f)}
        assert got == record_columns(ctr_images(containerd, ns, f)), f
        assert got, f
    # two filters: either matches
    got = [i["name"] for i in containerd.ok("i", "ls", ns, f"name=={TINY}", f"name=={MULTI}")]
    assert sorted(got) == sorted([TINY, MULTI])


def test_image_get_is_the_whole_record(containerd, ns, images):
    img = containerd.ok("i", "get", ns, MULTI)
    listed = {i["name"]: i for i in containerd.ok("i", "ls", ns)}
    assert img == listed[MULTI]
    top = images[MULTI].top
    assert img["target"]["size"] == top.size
    # ctr import keeps the index.json entry's annotations on the target
    assert img["target"]["annotations"] == {"io.containerd.image.name": MULTI,
                                            "org.opencontainers.image.ref.name": "3"}
    assert img["created_at"]["seconds"] > 0
    assert img["updated_at"]["seconds"] >= img["created_at"]["seconds"]


def test_a_label_written_by_the_client_is_seen_by_ctr(containerd, ns, images):
    containerd.ctr("images", "label", TINY, "keep=1", ns=ns)
    before = containerd.ok("i", "get", ns, TINY)
    out = containerd.ok("i", "update", ns,
                        json.dumps({"name": TINY, "labels": {"k": "v", "keep": "ignored"}}),
                        "labels.k")
    # labels.k: only k changes; containerd answers with its new updated_at
    assert out["labels"] == {"keep": "1", "k": "v"}
    assert out["created_at"] == before["created_at"]
    assert (out["updated_at"]["seconds"], out["updated_at"]["nanos"]) > (
        before["updated_at"]["seconds"], before["updated_at"]["nanos"])
    assert ctr_images(containerd, ns)[TINY]["labels"] == {"keep": "1", "k": "v"}
    # an empty value deletes the label
    containerd.ok("i", "update", ns, json.dumps({"name": TINY, "labels": {}}), "labels.keep")
    assert ctr_images(containerd, ns)[TINY]["labels"] == {"k": "v"}
    # "labels" replaces them all
    containerd.ok("i", "update", ns, json.dumps({"name": TINY, "labels": {"a": "1", "b": "2"}}),
                  "labels")
    assert ctr_images(containerd, ns)[TINY]["labels"] == {"a": "1", "b": "2"}
    assert containerd.ok("i", "get", ns, TINY)["target"] == before["target"]


def test_target_and_annotations_updates(containerd, ns, images):
    other = containerd.ok("i", "get", ns, OTHER)["target"]
    out = containerd.ok("i", "update", ns, json.dumps({"name": TINY, "target": other}),
                        "target")
    assert out["target"] == other
    row = ctr_images(containerd, ns)[TINY]
    assert (row["digest"], row["type"]) == (images[OTHER].top.digest, ociimage.MANIFEST)
    # ctr reads the new target's blobs for its SIZE column: OTHER's size now
    assert row["size"] == ctr_images(containerd, ns)[OTHER]["size"]
    out = containerd.ok("i", "update", ns, json.dumps(
        {"name": TINY, "target": {"annotations": {"note": "x"}}}), "annotations.note")
    assert out["target"]["annotations"] == dict(other["annotations"], note="x")
    assert out["target"]["digest"] == other["digest"]


def test_create_and_delete_are_seen_by_ctr(containerd, ns, images):
    target = containerd.ok("i", "get", ns, TINY)["target"]
    out = containerd.ok("i", "create", ns, json.dumps(
        {"name": "example.com/alias:1", "labels": {"made": "by-client"}, "target": target}))
    assert out["name"] == "example.com/alias:1"
    assert out["created_at"] == out["updated_at"]
    row = ctr_images(containerd, ns)["example.com/alias:1"]
    assert (row["digest"], row["labels"]) == (target["digest"], {"made": "by-client"})
    assert containerd.probe("i", "rm", ns, "example.com/alias:1")[0] == 0
    assert "example.com/alias:1" not in ctr_images(containerd, ns)
    assert containerd.probe("i", "rm", ns, TINY, "sync")[0] == 0
    assert set(ctr_images(containerd, ns)) == {OTHER, MULTI, DOCK}


def test_a_missing_image_is_containerds_not_found(containerd, ns, images):
    code, msg = error(containerd.probe("i", "get", ns, "example.com/nope:1"))
    assert (code, msg) == (5, 'image "example.com/nope:1": not found')
    code, msg = error(containerd.probe("i", "update", ns, json.dumps(
        {"name": "example.com/nope:1", "labels": {"a": "b"}}), "labels.a"))
    assert code == 5
    # ctr images label makes the same call: the same words
    assert msg == ctr_error(containerd.ctr("images", "label", "example.com/nope:1", "a=b",
                                           ns=ns, check=False))
    # (ctr images rm only warns in its own words and exits 0)
    code, msg = error(containerd.probe("i", "rm", ns, "example.com/nope:1"))
    assert (code, msg) == (5, 'image "example.com/nope:1": not found')


def test_duplicate_create_is_already_exists(containerd, ns, images):
    target = containerd.ok("i", "get", ns, TINY)["target"]
    code, msg = error(containerd.probe("i", "create", ns, json.dumps(
        {"name": TINY, "target": target})))
    assert (code, msg) == (6, f'image "{TINY}": already exists')


@pytest.mark.parametrize("image, paths, message", [
    ({"labels": {"a": "b"}}, ["bogus"],
     f'cannot update "bogus" field on image "{TINY}": invalid argument'),
    ({"target": {"media_type": ociimage.MANIFEST, "digest": "sha256:abc", "size": 5}},
     ["target"], 'Target.Digest "sha256:abc" invalid: invalid checksum digest length: '
                 'invalid argument'),
    ({"target": {"media_type": ociimage.MANIFEST, "size": 0,
                 "digest": "sha256:" + "0" * 64}},
     ["target"], "Target.Size must be greater than zero: invalid argument"),
    ({"labels": {"big": "v" * 4100}}, ["labels.big"],
     "image.Labels: label key and value greater than maximum size (4096 bytes), "
     "key: big: invalid argument"),
])
def test_a_refused_update_is_invalid_argument_and_changes_nothing(containerd, ns, images,
                                                                    image, paths, message):
    before = containerd.ok("i", "get", ns, TINY)
    code, msg = error(containerd.probe("i", "update", ns, json.dumps(dict(image, name=TINY)),
                                       *paths))
    assert (code, msg) == (3, message)
    assert containerd.ok("i", "get", ns, TINY) == before


def test_an_update_without_a_name_is_invalid_argument(containerd, ns, images):
    # refused by the service before the store: its words, not metadata's
    code, msg = error(containerd.probe("i", "update", ns, json.dumps({"labels": {"a": "b"}}),
                                       "labels.a"))
    assert (code, msg) == (3, "Image.Name required")


def test_image_events_name_their_image(containerd, ns, images, tmp_path):
    ev = Events(containerd, 'topic~="/images/"', 'topic~="/namespaces/"')
    try:
        ev.warm_up(containerd, ns)
        containerd.ctr("images", "label", TINY, "env=prod", ns=ns)
        e = ev.until(lambda e: e["topic"] == "/images/update")[-1]
        assert (e["namespace"], e["image_name"]) == (ns, TINY)
        # events/image.proto declares package containerd.services.images.v1
        assert e["event"]["type_url"] == "containerd.services.images.v1.ImageUpdate"
        assert e["container_id"] is None and e["namespace_name"] is None
        ociimage.build(tmp_path / "new.tar", {"example.com/new:1": ociimage.Image()})
        containerd.ctr("images", "import", "--no-unpack", str(tmp_path / "new.tar"), ns=ns)
        e = ev.until(lambda e: e["topic"] == "/images/create")[-1]
        assert (e["namespace"], e["image_name"]) == (ns, "example.com/new:1")
        containerd.ok("i", "rm", ns, OTHER)
        e = ev.until(lambda e: e["topic"] == "/images/delete")[-1]
        assert (e["namespace"], e["image_name"]) == (ns, OTHER)
        assert e["event"]["type_url"] == "containerd.services.images.v1.ImageDelete"
    finally:
        ev.close()


# ---- SIZE and PLATFORMS: the content store ----

def ctr_size(n):
    """ctr's SIZE column: progress.Bytes, "%02.1f %s" in powers of 1024."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    size, i = float(n), 0
    while size >= 1024 and i < len(units) - 1:
        size /= 1024
        i += 1
    return "%02.1f %s" % (size, units[i])


def usage_columns(u):
    return {"size": ctr_size(u["size"]),
            "platforms": ",".join(u["platforms"]) if u["platforms"] else "-"}


def test_usage_is_ctrs_size_and_platforms(containerd, ns, images):
    ctr = ctr_images(containerd, ns)
    for name, img in images.items():
        u = containerd.ok("i", "usage", ns, name)
        assert u["error"] is None, name
        # exact: every document and layer on this host's path through the image
        assert (u["size"], u["platforms"]) == (img.size, img.platforms), name
        assert usage_columns(u) == {k: ctr[name][k] for k in ("size", "platforms")}, name
    # an index counts itself and the amd64 manifest only, not the arm64 one
    multi = images[MULTI]
    assert containerd.ok("i", "usage", ns, MULTI)["size"] == (
        multi.top.size + multi.images[0].size)


def test_usage_of_an_index_without_this_hosts_platform(containerd, ns, tmp_path):
    arm = ociimage.MultiArch([ociimage.Image(arch="arm64"),
                              ociimage.Image(arch="arm", layers=({"v": b"7"},))])
    ociimage.build(tmp_path / "arm.tar", {"example.com/arm:1": arm})
    containerd.ctr("images", "import", "--all-platforms", "--no-unpack",
                   str(tmp_path / "arm.tar"), ns=ns)
    u = containerd.ok("i", "usage", ns, "example.com/arm:1")
    # ctr logs "no match for platform in manifest" and prints the index's own size
    assert u["error"] == {"code": 5, "message": "no match for platform in manifest: not found"}
    assert u["size"] == arm.top.size
    assert u["platforms"] == ["linux/arm", "linux/arm64"]
    row = ctr_images(containerd, ns)["example.com/arm:1"]
    assert usage_columns(u) == {"size": row["size"], "platforms": row["platforms"]}


def test_usage_with_a_config_missing_from_the_content_store(containerd, ns, images):
    config = images[TINY].config.digest
    containerd.ctr("content", "rm", config, ns=ns)
    u = containerd.ok("i", "usage", ns, TINY)
    # SIZE never reads the config; PLATFORMS does, fails, and ctr prints "-"
    assert u["error"]["code"] == 5
    assert u["error"]["message"] == f"content digest {config}: not found"
    assert (u["size"], u["platforms"]) == (images[TINY].size, [])
    row = ctr_images(containerd, ns)[TINY]
    assert usage_columns(u) == {"size": row["size"], "platforms": row["platforms"]}
