"""Export and import lose no byte: strings that are not UTF-8 (label keys and values,
extension names, snapshotter...) travel exactly, base64 in a namespace's "base64" member,
and stay out of the readable members where they would be U+FFFD."""
import base64
import json
import subprocess

EVERY_HIGH_BYTE = range(0x80, 0x100)


def run(ctl, *args):
    """ctrfsctl with byte arguments; returns stdout bytes."""
    argv = [a.encode() for a in ctl.argv([])] + [
        a if isinstance(a, bytes) else str(a).encode() for a in args]
    p = subprocess.run(argv, capture_output=True, env=ctl.env)
    assert p.returncode == 0, p
    return p.stdout


def exact(doc, ns):
    (n,) = [n for n in doc["namespaces"] if n["name"] == ns]
    return n.get("base64", {})


def unb64(d):
    return {base64.b64decode(k): base64.b64decode(v) for k, v in d.items()}


def label_args():
    return [b"k" + bytes([b]) + b"=" + bytes([b]) + b"v" for b in EVERY_HIGH_BYTE]


def expected_labels():
    return {b"k" + bytes([b]): bytes([b]) + b"v" for b in EVERY_HIGH_BYTE}


def test_label_bytes_of_every_high_value_survive_export_and_import(ctl, new_ctl):
    ctl.ok("containers", "create", "--label", "plain=yes", "web")
    run(ctl, "containers", "label", "web", *label_args())
    run(ctl, "namespaces", "label", "default", *label_args())
    out = ctl.export()
    doc = json.loads(out)
    ns = doc["namespaces"][0]
    assert ns["containers"][0]["Labels"] == {"plain": "yes"}  # nothing shown as U+FFFD
    assert ns["labels"] == {}
    assert unb64(exact(doc, "default")["containers"]["web"]["Labels"]) == expected_labels()
    assert unb64(exact(doc, "default")["labels"]) == expected_labels()
    other = new_ctl("other")
    other.ok("import", "-", input=out)
    assert other.export() == out
    # and the bytes in the new store are the ones written: a label update finds them
    key = b"k\x80"
    run(other, "containers", "label", "web", key + b"=")
    doc = json.loads(other.export())
    assert key not in unb64(exact(doc, "default")["containers"]["web"]["Labels"])
    assert len(unb64(exact(doc, "default")["containers"]["web"]["Labels"])) == 127


def test_other_strings_that_are_not_utf8_survive_too(ctl, new_ctl, tmp_path):
    value = tmp_path / "v"
    value.write_bytes(b"\x00\xff")
    run(ctl, "containers", "create", b"--snapshotter", b"sn\xff", b"--snapshot-key", b"k\x80",
        b"--sandbox", b"sb\xc3", b"--extension", b"ext\xfe=t/\xe2\x82=@" + bytes(value),
        "web")
    out = ctl.export()
    doc = json.loads(out)
    info = doc["namespaces"][0]["containers"][0]
    assert (info["Snapshotter"], info["SnapshotKey"], info["SandboxID"]) == (
        "sn\ufffd", "k\ufffd", "sb\ufffd")  # readable, as ctr shows them
    assert info["Extensions"] is None
    side = exact(doc, "default")["containers"]["web"]
    assert base64.b64decode(side["Snapshotter"]) == b"sn\xff"
    assert base64.b64decode(side["SnapshotKey"]) == b"k\x80"
    assert base64.b64decode(side["SandboxID"]) == b"sb\xc3"
    (name, any_), = side["Extensions"].items()
    assert base64.b64decode(name) == b"ext\xfe"
    assert base64.b64decode(any_["type_url"]) == b"t/\xe2\x82"
    assert base64.b64decode(any_["value"]) == b"\x00\xff"
    other = new_ctl("other")
    other.ok("import", "-", input=out)
    assert other.export() == out


def test_an_export_of_utf8_strings_has_no_base64_member(ctl):
    ctl.ok("containers", "create", "--label", "k=\u00e9", "web")
    assert "base64" not in json.loads(ctl.export())["namespaces"][0]


def test_a_bad_base64_member_is_refused(ctl, write_json):
    doc = {"version": 1, "namespaces": [{"name": "default", "labels": {}, "containers": [],
                                         "base64": {"labels": {"gA==": "not base64!"}}}]}
    with ctl.unchanged():
        assert ctl.error("import", write_json(doc)) == (
            "import: namespace default: base64: labels: invalid argument")
    doc["namespaces"][0]["base64"] = {"containers": {"nope": {}}}
    assert ctl.error("import", write_json(doc)) == (
        "import: namespace default: base64: a container that is not in the namespace: "
        "invalid argument")
