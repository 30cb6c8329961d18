"""Minimal OCI image layout tarballs for `ctr images import`, made in Python (the tests
have no network). Reusable by any suite that needs an image in a private containerd.

    img = ociimage.build(path, {"docker.io/library/tiny:1": ociimage.Image()})
    containerd.ctr("images", "import", "--no-unpack", path, ns=ns)
    img.names["docker.io/library/tiny:1"].top.digest   # its target's digest, as ctr shows

Each name in the tarball's index.json carries `io.containerd.image.name`, which
`ctr images import` takes as the image's name unchanged. An Image is one manifest
(config + layers); a MultiArch is an image index over several of them, each with its
platform. `size` of each is the sum ctr's SIZE column shows for linux/amd64 (index,
manifest, config and layers of the platform it picks).
"""
import hashlib
import io
import json
import tarfile
import time

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"


class Blob:
    def __init__(self, media_type, data):
        self.media_type = media_type
        self.data = data
        self.digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.size = len(data)

    def descriptor(self, **extra):
        d = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        d.update(extra)
        return d


def _json(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def layer_tar(files):
    """An uncompressed layer holding FILES {path: bytes}, with fixed times (reproducible)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Image:
    """One manifest: a config for OS/ARCH and one layer per entry of LAYERS ({path: bytes});
    DOCKER: Docker's schema 2 media types instead of OCI's."""

    def __init__(self, layers=({"hello.txt": b"hello\n"},), os="linux", arch="amd64",
                 docker=False):
        self.platform = {"os": os, "architecture": arch}
        manifest_type, config_type, layer_type = (
            (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER) if docker
            else (MANIFEST, CONFIG, LAYER))
        self.layers = [Blob(layer_type, layer_tar(files)) for files in layers]
        config = {
            "architecture": arch,
            "os": os,
            "config": {},
            "rootfs": {"type": "layers",
                       "diff_ids": [b.digest for b in self.layers]},
        }
        self.config = Blob(config_type, _json(config))
        self.manifest = Blob(manifest_type, _json({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": self.config.descriptor(),
            "layers": [b.descriptor() for b in self.layers],
        }))
        self.top = self.manifest

    @property
    def blobs(self):
        return [self.manifest, self.config] + self.layers

    @property
    def size(self):
        return sum(b.size for b in self.blobs)

    @property
    def platforms(self):
        return [f"{self.platform['os']}/{self.platform['architecture']}"]


class MultiArch:
    """An image index over IMAGES, each entry with its image's platform."""

    def __init__(self, images):
        self.images = images
        self.top = Blob(INDEX, _json({
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [i.manifest.descriptor(platform=i.platform) for i in images],
        }))
        self.manifest = self.top

    @property
    def blobs(self):
        return [self.top] + [b for i in self.images for b in i.blobs]

    @property
    def size(self):
        """What ctr counts for linux/amd64: the index and the one manifest it picks."""
        picked = [i for i in self.images if i.platform == {"os": "linux",
                                                            "architecture": "amd64"}]
        return self.top.size + (picked[0].size if picked else 0)

    @property
    def platforms(self):
        return sorted({p for i in self.images for p in i.platforms})


class Built:
    """What build() wrote: per name, the image (its `top` is the image's target)."""

    def __init__(self, names):
        self.names = names


def build(path, names):
    """Writes an OCI image layout tarball at PATH with one index.json entry per
    name -> Image/MultiArch of NAMES; returns a Built."""
    blobs = {}
    manifests = []
    for name, image in names.items():
        for b in image.blobs:
            blobs[b.digest] = b
        manifests.append(image.top.descriptor(
            annotations={"io.containerd.image.name": name,
                         "org.opencontainers.image.ref.name": name.rpartition(":")[2]}))
    files = {
        "oci-layout": _json({"imageLayoutVersion": "1.0.0"}),
        "index.json": _json({"schemaVersion": 2, "manifests": manifests}),
    }
    for digest, b in blobs.items():
        files["blobs/sha256/" + digest.split(":", 1)[1]] = b.data
    now = int(time.time())
    with tarfile.open(path, "w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = now
            t.addfile(info, io.BytesIO(data))
    return Built(names)
