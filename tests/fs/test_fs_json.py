"""spec.json and container.json: JSON files validated as they are written."""
import errno
import json
import os

import pytest

from fstest import SPEC_TYPE_URL, wait_until

C1 = "default/c1/"


def info(m, cid="c1"):
    return json.loads(m.ctl("c", "info", cid).out)


def update_events(m):
    return m.ctl("events", "--no-follow", 'topic=="/containers/update"').out.count(b"\n")


def test_jq_edit_of_spec_json(mnt, tmp_path):
    mnt.ok(f"jq '.process.cwd = \"/srv\"' default/c1/spec.json > {tmp_path}/s && "
           f"cp {tmp_path}/s default/c1/spec.json")
    assert info(mnt)["Spec"]["process"]["cwd"] == "/srv"
    assert json.loads(mnt.text(C1 + "spec.json"))["process"]["cwd"] == "/srv"


def test_spec_json_reads_back_as_written_tokens(mnt, tmp_path):
    """Numbers and escapes keep their spelling: the spec is stored as compact JSON
    made of the written tokens, never re-encoded."""
    mnt.ok("""printf '{"ociVersion": "1.0.2", "x": 1.50, "y": 1e3, "z": "\\\\u0041"}' """
           "> default/c1/spec.json")
    text = mnt.text(C1 + "spec.json")
    assert '"x": 1.50' in text and '"y": 1e3' in text and '"\\u0041"' in text


def test_echo_of_invalid_json_fails_from_write(mnt):
    mnt.expect(r"refused write /default/c1/spec.json: invalid character 'b' looking for "
               r"beginning of value at byte 0 \(EINVAL\)")
    with mnt.unchanged():
        r = mnt.fails("echo bad > default/c1/spec.json", "Invalid argument")
        assert "write error" in r.err
    assert json.loads(mnt.text(C1 + "spec.json")) == info(mnt)["Spec"]


def test_a_spec_must_be_an_object(mnt):
    mnt.expect(r"refused write /default/c1/spec.json: the OCI runtime spec must be a JSON "
               r"object \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails("echo '[1]' > default/c1/spec.json", "Invalid argument")


def test_json_arriving_in_many_writes_is_committed_once(mnt):
    spec = dict(info(mnt)["Spec"], hostname="many-writes")
    data = json.dumps(spec, indent=2).encode() + b"\n"
    before = update_events(mnt)
    fd = os.open(mnt.path(C1 + "spec.json"), os.O_WRONLY | os.O_TRUNC)
    try:
        for i in range(0, len(data), 97):
            assert os.write(fd, data[i:i + 97]) == len(data[i:i + 97])
    finally:
        os.close(fd)
    assert info(mnt)["Spec"] == spec
    assert update_events(mnt) == before + 1


def test_incomplete_json_is_never_committed(mnt):
    mnt.expect(r"refused flush /default/c1/spec.json: unexpected end of JSON input \(EINVAL\)")
    with mnt.unchanged():
        # bash never sees the error of close(); cat does
        mnt.ok("""printf '{"a": [1, 2' > default/c1/spec.json""")
        mnt.fails("""printf '{"a": [1, 2' | cat > default/c1/spec.json""", "Invalid argument")


def test_emptying_spec_json_is_refused_at_release(mnt):
    mnt.expect(r"refused release /default/c1/spec.json: unexpected end of JSON input "
               r"\(EINVAL\)")
    with mnt.unchanged():
        mnt.ok(": > default/c1/spec.json")
        wait_until(lambda: "refused release" in mnt.log(), what="the refusal")


def test_a_write_that_breaks_json_leaves_the_content_as_it_was(mnt):
    mnt.expect(r"refused write /default/c1/spec.json: invalid character ']' looking for "
               r"beginning of object key string at byte 24 \(EINVAL\)")
    fd = os.open(mnt.path(C1 + "spec.json"), os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, b'{"ociVersion": "1.1.0",')  # a valid prefix: accepted
        with pytest.raises(OSError) as e:
            os.write(fd, b" ]")  # can never become valid
        assert e.value.errno == errno.EINVAL
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, b' "hostname": "h"}')
    finally:
        os.close(fd)
    assert info(mnt)["Spec"] == {"ociVersion": "1.1.0", "hostname": "h"}


def test_container_json_write_is_one_full_update(mnt, tmp_path):
    mnt.ok("jq '.Image = \"redis:7\" | .Labels = {\"only\": \"this\"}' "
           f"default/c1/container.json > {tmp_path}/c && cp {tmp_path}/c default/c1/container.json")
    doc = info(mnt)
    assert doc["Image"] == "redis:7"
    assert doc["Labels"] == {"only": "this"}
    assert doc["Snapshotter"] == "overlayfs"


def test_container_json_written_back_unchanged_changes_nothing(mnt, tmp_path):
    # a write is an update of what the writer changed against what it read: none here
    before = info(mnt)
    with mnt.unchanged():
        mnt.ok(f"cp default/c1/container.json {tmp_path}/c && "
               f"cp {tmp_path}/c default/c1/container.json")
    assert info(mnt) == before


def test_container_json_cannot_change_the_id(mnt, tmp_path):
    mnt.expect(r'refused write /default/c1/container.json: ID "other" is not this '
               r"container's.* \(EINVAL\)")
    with mnt.unchanged():
        mnt.ok(f"jq '.ID = \"other\"' default/c1/container.json > {tmp_path}/c")
        mnt.fails(f"cp {tmp_path}/c default/c1/container.json", "Invalid argument")


def test_container_json_cannot_change_immutable_fields(mnt, tmp_path):
    mnt.expect(r"refused write /default/c1/container.json: container.Runtime.Name field is "
               r"immutable: invalid argument \(EINVAL\)")
    with mnt.unchanged():
        mnt.ok(f"jq '.Runtime.Name = \"x\"' default/c1/container.json > {tmp_path}/c")
        mnt.fails(f"cp {tmp_path}/c default/c1/container.json", "Invalid argument")


def test_container_json_syntax_errors_fail_with_einval(mnt):
    mnt.expect(r"refused write /default/c1/container.json: invalid character .* \(EINVAL\)")
    with mnt.unchanged():
        mnt.fails("echo '{,}' > default/c1/container.json", "Invalid argument")
