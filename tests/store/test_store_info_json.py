"""What ctrfsctl prints is what ctr prints: `containers info` byte for byte against real
`ctr containers info` output (tests/data/containerd/set-a), `containers ls` and
`namespaces ls` against `ctr ... ls`, and the details of the JSON form."""
import base64
import json
import os
import re
from pathlib import Path

import pytest

from storetest import info_doc

NAMESPACES = ["default", "k8s.io", "team-b"]
# `ctr namespaces label` as the fixture's generator ran it (MANIFEST.md); team-b's owner
# label came with `ctr namespaces create team-b owner=team-b`
NAMESPACE_LABELS = {
    "default": ["com.example.owner=platform", "com.example.note=ünïcode ✓"],
    "k8s.io": ["containerd.io/gc.expire=never"],
    "team-b": ["owner=team-b", "containerd.io/defaults/snapshotter=native"],
}
KEY_ORDER = ["ID", "Labels", "Image", "Runtime", "SnapshotKey", "Snapshotter", "CreatedAt",
             "UpdatedAt", "Extensions", "Spec"]
RFC3339NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$")


def fixture_files(fixtures_dir):
    return sorted(fixtures_dir.glob("*/*.info.json"))


# parametrizing needs the list at collection time, before fixtures exist
_ROOT = Path(os.environ.get("CTRFS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
FIXTURES = sorted((_ROOT / "tests/data/containerd/set-a").glob("*/*.info.json"))


def top_keys(text):
    return [k for k, _ in json.loads(text, object_pairs_hook=lambda p: p)]


@pytest.fixture
def imported(ctl, fixtures_dir):
    """Every fixture container imported one `ctr containers info` file at a time."""
    for path in fixture_files(fixtures_dir):
        ctl.ok("import", path, ns=path.parent.name)
    for ns, labels in NAMESPACE_LABELS.items():
        ctl.ok("namespaces", "label", ns, *labels)
    return ctl


def test_the_fixture_set_is_there(fixtures_dir):
    assert len(fixture_files(fixtures_dir)) == 14
    assert len(FIXTURES) == 14


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_info_of_an_imported_ctr_info_file_is_that_file_byte_for_byte(ctl, path):
    ns, cid = path.parent.name, path.name[:-len(".info.json")]
    ctl.ok("import", path, ns=ns)
    assert ctl.ok("containers", "info", cid, ns=ns).encode() == path.read_bytes()


@pytest.mark.parametrize("ns", NAMESPACES)
def test_ls_prints_ctrs_columns(imported, fixtures_dir, ns):
    expected = (fixtures_dir / ns / "containers.txt").read_text()
    assert imported.ok("containers", "ls", ns=ns) == expected


def test_ls_quiet_prints_the_ids(imported, fixtures_dir):
    expected = [line.split()[0] for line in
                (fixtures_dir / "default" / "containers.txt").read_text().splitlines()[1:]]
    assert imported.ids(ns="default") == expected


def test_namespaces_ls_prints_ctrs_columns(imported, fixtures_dir):
    assert imported.ok("namespaces", "ls") == (fixtures_dir / "namespaces.txt").read_text()


def test_namespaces_ls_quiet_prints_the_names(imported):
    assert imported.ok("namespaces", "ls", "-q") == "default\nk8s.io\nteam-b\n"


def test_containerd_meta_db_imports_to_the_same_output(ctl, fixtures_dir):
    ctl.ok("import", "--containerd", fixtures_dir / "meta.db")
    for path in fixture_files(fixtures_dir):
        ns, cid = path.parent.name, path.name[:-len(".info.json")]
        assert ctl.ok("containers", "info", cid, ns=ns).encode() == path.read_bytes(), path
    for ns in NAMESPACES:
        assert ctl.ok("containers", "ls", ns=ns) == (fixtures_dir / ns / "containers.txt").read_text()
    assert ctl.ok("namespaces", "ls") == (fixtures_dir / "namespaces.txt").read_text()


def test_a_container_made_like_a_fixture_prints_like_it_but_for_times(ctl, fixtures_dir,
                                                                          tmp_path):
    """a-ext-runc rebuilt with `containers create` (not import)."""
    src = json.loads((fixtures_dir / "default" / "a-ext-runc.info.json").read_text())
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(src["Spec"]))
    args = ["--image", src["Image"], "--snapshotter", src["Snapshotter"],
            "--snapshot-key", src["SnapshotKey"], "--runtime", src["Runtime"]["Name"], "--spec", spec]
    opts = src["Runtime"]["Options"]
    raw = tmp_path / "opts.bin"
    raw.write_bytes(base64.b64decode(opts["value"]))
    args += ["--runtime-options", f"{opts['type_url']}=@{raw}"]
    for k, v in (src["Labels"] or {}).items():
        args += ["--label", f"{k}={v}"]
    for name, any_ in (src["Extensions"] or {}).items():
        f = tmp_path / f"ext{len(args)}.bin"
        f.write_bytes(base64.b64decode(any_.get("value", "")))
        args += ["--extension", f"{name}={any_['type_url']}=@{f}"]
    ctl.ok("containers", "create", *args, src["ID"])
    text = ctl.ok("containers", "info", src["ID"])
    got = json.loads(text)
    assert RFC3339NANO.match(got["CreatedAt"]) and got["CreatedAt"] == got["UpdatedAt"]
    got["CreatedAt"], got["UpdatedAt"] = src["CreatedAt"], src["UpdatedAt"]
    expected = (fixtures_dir / "default" / "a-ext-runc.info.json").read_text()
    times = re.compile(r'"(Created|Updated)At": "[^"]*"')
    assert times.sub("T", text) == times.sub("T", expected)


# ---- the JSON form in detail ----

def test_info_keys_are_in_ctrs_order(ctl):
    ctl.ok("containers", "create", "web")
    assert top_keys(ctl.ok("containers", "info", "web")) == KEY_ORDER


def test_sandbox_id_is_printed_before_spec_only_when_set(ctl):
    ctl.ok("containers", "create", "--sandbox", "sb-1", "web")
    text = ctl.ok("containers", "info", "web")
    assert top_keys(text) == KEY_ORDER[:-1] + ["SandboxID", "Spec"]
    assert '\n    "SandboxID": "sb-1",\n' in text


def test_info_is_indented_with_four_spaces_and_ends_with_a_newline(ctl):
    ctl.ok("containers", "create", "--label", "a=1", "web")
    text = ctl.ok("containers", "info", "web")
    assert text.startswith('{\n    "ID": "web",\n    "Labels": {\n        "a": "1"\n    },\n')
    assert text.endswith("\n    }\n}\n")


def test_labels_are_null_when_there_are_none(ctl):
    ctl.ok("containers", "create", "web")
    assert '\n    "Labels": null,\n' in ctl.ok("containers", "info", "web")


def test_labels_are_sorted_by_key(ctl):
    ctl.ok("containers", "create", "--label", "b=2", "--label", "a=1", "--label", "B=3", "web")
    assert list(json.loads(ctl.ok("containers", "info", "web"))["Labels"]) == ["B", "a", "b"]


def test_runtime_options_null_when_absent(ctl):
    # a runtime other than runc v2: ctrfsctl, as ctr, gives it no options
    ctl.ok("containers", "create", "--runtime", "io.containerd.kata.v2", "web")
    assert '"Runtime": {\n        "Name": "io.containerd.kata.v2",\n        "Options": null\n    },' \
        in ctl.ok("containers", "info", "web")


def test_runtime_options_with_empty_value_print_only_the_type_url(ctl):
    ctl.ok("containers", "create", "--runtime-options", "containerd.runc.v1.Options=", "web")
    assert ('        "Options": {\n            "type_url": "containerd.runc.v1.Options"\n'
            '        }\n') in ctl.ok("containers", "info", "web")


def test_runtime_options_print_type_url_and_base64_value(ctl):
    ctl.ok("containers", "create", "--runtime-options", "example.com/O=hello", "web")
    assert json.loads(ctl.ok("containers", "info", "web"))["Runtime"]["Options"] == {
        "type_url": "example.com/O", "value": "aGVsbG8="}


def test_binary_any_values_are_kept_byte_for_byte(ctl, tmp_path):
    blob = bytes(range(256))
    f = tmp_path / "blob"
    f.write_bytes(blob)
    ctl.ok("containers", "create", "--extension", f"bin=example.com/B=@{f}", "web")
    value = json.loads(ctl.ok("containers", "info", "web"))["Extensions"]["bin"]["value"]
    assert base64.b64decode(value) == blob


def test_extensions_null_when_none_and_a_sorted_map_otherwise(ctl):
    ctl.ok("containers", "create", "plain")
    assert '\n    "Extensions": null,\n' in ctl.ok("containers", "info", "plain")
    ctl.ok("containers", "create", "--extension", "z=t/Z=1", "--extension", "a=t/A=", "web")
    text = ctl.ok("containers", "info", "web")
    assert ('    "Extensions": {\n        "a": {\n            "type_url": "t/A"\n        },\n'
            '        "z": {\n            "type_url": "t/Z",\n            "value": "MQ=="\n'
            '        }\n    },\n') in text


def test_times_are_rfc3339_utc_with_trimmed_nanoseconds(ctl, write_json):
    ctl.ok("containers", "create", "web")
    info = ctl.info("web")
    assert RFC3339NANO.match(info["CreatedAt"]), info["CreatedAt"]
    for given, printed in [("2020-01-02T03:04:05.100Z", "2020-01-02T03:04:05.1Z"),
                           ("2020-01-02T03:04:05Z", "2020-01-02T03:04:05Z"),
                           ("2020-01-02T03:04:05.000000001Z", "2020-01-02T03:04:05.000000001Z"),
                           ("2020-01-02T03:04:05.123456789+02:00",
                            "2020-01-02T01:04:05.123456789Z")]:
        cid = f"t{abs(hash(given)) % 100000}"
        ctl.ok("import", write_json(info_doc(cid, CreatedAt=given, UpdatedAt=given)))
        assert ctl.info(cid)["CreatedAt"] == printed, given


def test_strings_are_escaped_as_go_does(ctl, write_json):
    labels = {"html": "<a&b>", "ctl": "x\x01y\tz\n", "sep": "a\u2028b\u2029", "q": 'say "hi" \\',
              "uni": "héllo ✓ 🚀"}
    ctl.ok("import", write_json(info_doc("web", Labels=labels)))
    text = ctl.ok("containers", "info", "web")
    assert '"html": "\\u003ca\\u0026b\\u003e"' in text
    assert '"ctl": "x\\u0001y\\tz\\n"' in text
    assert '"sep": "a\\u2028b\\u2029"' in text
    assert '"q": "say \\"hi\\" \\\\"' in text
    assert '"uni": "héllo ✓ 🚀"' in text
    assert json.loads(text)["Labels"] == labels


def test_spec_is_printed_last_as_the_decoded_object(ctl, spec_file):
    ctl.ok("containers", "create", "--spec", spec_file, "web")
    text = ctl.ok("containers", "info", "web")
    assert text.endswith('    "Spec": {\n        "ociVersion": "1.0.2-dev",\n        "process": {\n'
                         '            "args": [\n                "/bin/sh"\n            ],\n'
                         '            "cwd": "/"\n        },\n        "root": {\n'
                         '            "path": "rootfs"\n        }\n    }\n}\n')


def test_spec_option_prints_the_spec_as_ctr_does(ctl, spec_file):
    # decoded into the runtime-spec Go structs and indented (test_store_spec_go.py)
    ctl.ok("containers", "create", "--spec", spec_file, "web")
    assert ctl.ok("containers", "info", "--spec", "web") == (
        '{\n    "ociVersion": "1.0.2-dev",\n    "process": {\n        "user": {\n'
        '            "uid": 0,\n            "gid": 0\n        },\n'
        '        "args": [\n            "/bin/sh"\n        ],\n        "cwd": "/"\n    },\n'
        '    "root": {\n        "path": "rootfs"\n    }\n}\n')


def test_spec_numbers_and_key_order_are_kept(ctl, write_json):
    spec = '{"z": 1.50, "a": 18446744073709551615, "m": [1e3, -0]}'
    doc = json.dumps(info_doc("web", Spec=None)).replace('"Spec": null', '"Spec": ' + spec)
    ctl.ok("import", write_json(doc))
    assert ctl.ok("containers", "info", "web").endswith(
        '    "Spec": {\n        "z": 1.50,\n        "a": 18446744073709551615,\n'
        '        "m": [\n            1e3,\n            -0\n        ]\n    }\n}\n')


def test_default_spec_is_containerds_with_the_cgroups_path(ctl):
    ctl.ok("containers", "create", "web", ns="team")
    spec = ctl.info("web", ns="team")["Spec"]
    assert spec["ociVersion"].startswith("1.")
    assert spec["linux"]["cgroupsPath"] == "/team/web"


def test_ls_prints_a_dash_for_no_image(ctl):
    ctl.ok("containers", "create", "--image", "nginx:1", "with")
    ctl.ok("containers", "create", "without")
    assert ctl.ok("containers", "ls") == (
        "CONTAINER    IMAGE      RUNTIME                  \n"
        "with         nginx:1    io.containerd.runc.v2    \n"
        "without      -          io.containerd.runc.v2    \n")


def test_ls_of_an_empty_namespace_prints_the_header(ctl):
    ctl.ok("namespaces", "create", "empty")
    assert ctl.ok("containers", "ls", ns="empty") == "CONTAINER    IMAGE    RUNTIME    \n"


def test_info_of_a_missing_container_is_not_found(ctl):
    ctl.ok("containers", "create", "web")
    assert ctl.error("containers", "info", "nope") == (
        'container "nope" in namespace "default": not found')


def test_namespace_labels_print_as_key_value_lines(ctl):
    ctl.ok("namespaces", "create", "team", "b=2", "a=1")
    assert ctl.ok("namespaces", "label", "team") == "a=1\nb=2\n"
    ctl.ok("namespaces", "label", "team", "a=", "c=3")
    assert ctl.ok("namespaces", "label", "team") == "b=2\nc=3\n"
    assert ctl.ok("namespaces", "ls") == "NAME LABELS  \nteam b=2,c=3 \n"
