"""Any values as files: extensions/<name> (read-write) and runtime/options (read-only)."""
import base64
import json

import pytest

EXT = "default/c1/extensions/"


def extensions(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)["Extensions"] or {}


def test_an_extension_with_json_bytes_reads_as_json(mnt):
    mnt.ctl("c", "update", "--extension", 'meta=x.io/Meta={"a":[1,2]}', "c1")
    assert mnt.text(EXT + "meta") == ('{\n    "type_url": "x.io/Meta",\n'
                                      '    "json": {\n        "a": [\n            1,\n'
                                      '            2\n        ]\n    }\n}\n')


def test_an_extension_with_other_bytes_reads_as_base64(mnt, tmp_path):
    (tmp_path / "bin").write_bytes(b"\x00\x01\xfe")
    mnt.ctl("c", "update", "--extension", f"bin=x.io/Bin=@{tmp_path / 'bin'}", "c1")
    assert json.loads(mnt.text(EXT + "bin")) == {"type_url": "x.io/Bin", "value": "AAH+"}


def test_writing_json_creates_an_extension_with_compact_bytes(mnt):
    mnt.ok("""printf '{"type_url": "x.io/M", "json": {"k": "v", "n": 1}}\\n' """
           "> default/c1/extensions/meta")
    ext = extensions(mnt)["meta"]
    assert ext["type_url"] == "x.io/M"
    assert base64.b64decode(ext["value"]) == b'{"k":"v","n":1}'


def test_writing_base64_sets_raw_bytes(mnt):
    mnt.ok("""echo '{"type_url": "x.io/B", "value": "AAE="}' > default/c1/extensions/bin""")
    assert extensions(mnt)["bin"] == {"type_url": "x.io/B", "value": "AAE="}


def test_unchanged_content_keeps_the_stored_bytes(mnt, tmp_path):
    (tmp_path / "odd").write_bytes(b'{ "b" : 2,  "a":1 }')
    mnt.ctl("c", "update", "--extension", f"odd=x.io/O=@{tmp_path / 'odd'}", "c1")
    stored = extensions(mnt)["odd"]["value"]
    mnt.ok(f"cp default/c1/extensions/odd {tmp_path}/copy && "
           f"cp {tmp_path}/copy default/c1/extensions/odd")
    assert extensions(mnt)["odd"]["value"] == stored
    mnt.ok("sed -i 's/2/3/' default/c1/extensions/odd")
    assert base64.b64decode(extensions(mnt)["odd"]["value"]) == b'{"b":3,"a":1}'


def test_rm_and_mv_of_extensions(mnt):
    mnt.ok("""echo '{"type_url": "x.io/B", "value": "AAE="}' > default/c1/extensions/a""")
    mnt.ok("mv default/c1/extensions/a default/c1/extensions/b")
    assert list(extensions(mnt)) == ["b"]
    mnt.ok("rm default/c1/extensions/b")
    assert extensions(mnt) == {}
    assert mnt.ok("ls default/c1/extensions") == ""


@pytest.mark.parametrize("text, reason", [
    ('{"type_url": "x", "value": "AAE=", "json": 1}', "not both"),
    ('{"type_url": "x", "other": 1}', 'unknown field "other"'),
    ('{"type_url": "x", "value": "!!"}', "is not base64"),
    ('{"type_url": 1}', "must be a string"),
    ('[]', "expected an object"),
])
def test_malformed_any_files_are_refused_with_einval(mnt, text, reason):
    mnt.ok("""echo '{"type_url": "x.io/B", "value": "AAE="}' > default/c1/extensions/e""")
    mnt.expect(r"refused write /default/c1/extensions/e: .*" + reason + r".* \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails(f"echo '{text}' > default/c1/extensions/e", "Invalid argument")


def test_runtime_options_are_immutable(mnt, tmp_path):
    mnt.ctl("c", "create", "--runtime-options", "x/O={}", "c3")
    mnt.expect(r"refused open /default/c3/runtime/options: runtime/options is immutable "
               r"\(EPERM\)")
    with mnt.unchanged():
        mnt.fails("echo '{}' > default/c3/runtime/options", "Operation not permitted")
