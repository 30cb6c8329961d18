"""`ctrfsctl containers info --spec` prints the spec as `ctr containers info --spec` does:
decoded into the OCI runtime-spec Go structs (unknown keys dropped, keys matched without
case, invalid UTF-8 as U+FFFD, Go's type errors), printed with json.MarshalIndent.
tests/data/ctr-spec holds specs and what containerd 1.6.20's ctr printed for each
(capture.sh there records them again)."""
import base64
import json

import pytest

from storetest import RUNC, SPEC_TYPE_URL


def spec_cases(source_dir):
    return sorted((source_dir / "tests" / "data" / "ctr-spec").glob("*.json"))


def store_spec_bytes(ctl, write_json, cid, raw):
    """Gives container cid exactly these spec bytes (an import keeps them as they are)."""
    doc = {"ID": cid, "Runtime": {"Name": RUNC, "Options": None},
           "Spec": {"type_url": SPEC_TYPE_URL, "value": base64.b64encode(raw).decode()}}
    ctl.ok("import", "--replace", write_json(doc))


@pytest.mark.parametrize("name", ["default", "every-kind", "odd-keys-escapes", "folded-keys",
                                  "unicode", "null", "not-an-object", "wrong-type",
                                  "not-an-integer", "negative-uint", "float-overflow",
                                  "truncated"])
def test_spec_prints_as_ctr_printed_it(ctl, write_json, source_dir, name):
    case = source_dir / "tests" / "data" / "ctr-spec" / f"{name}.json"
    expected = case.with_suffix(".ctr").read_bytes()
    store_spec_bytes(ctl, write_json, "c1", case.read_bytes())
    r = ctl("containers", "info", "--spec", "c1")
    if expected.startswith(b"{"):
        assert r.status == 0 and r.stderr == "", r
        assert r.stdout.encode() == expected
    else:  # ctr refused it with Go's message
        assert (r.status, r.stdout) == (1, ""), r
        assert r.stderr.encode() == b"ctrfsctl: " + expected


def test_every_recorded_case_is_tested(source_dir):
    names = {p.stem for p in spec_cases(source_dir)}
    assert names == {"default", "every-kind", "odd-keys-escapes", "folded-keys", "unicode",
                     "null", "not-an-object", "wrong-type", "not-an-integer",
                     "negative-uint", "float-overflow", "truncated"}
    assert all(p.with_suffix(".ctr").exists() for p in spec_cases(source_dir))


def test_the_default_spec_of_a_new_container_prints_as_ctr_prints_it(ctl, real_ctr, tmp_path):
    ctl.ok("containers", "create", "web")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(ctl.info("web")["Spec"]))
    real_ctr.ctr("containers", "rm", "spec-default")
    assert real_ctr.ctr("containers", "create", "--config", spec, "spec-default").status == 0
    try:
        want = real_ctr.ctr("containers", "info", "--spec", "spec-default").stdout
    finally:
        real_ctr.ctr("containers", "rm", "spec-default")
    assert ctl.ok("containers", "info", "--spec", "web") == want


def test_the_recorded_cases_are_what_this_ctr_prints(real_ctr, source_dir):
    """The recordings above still hold for the installed ctr (skipped without one)."""
    for case in spec_cases(source_dir):
        cid = f"rec-{case.stem}"
        real_ctr.ctr("containers", "rm", cid)
        made = real_ctr.ctr("containers", "create", "--config", case, cid)
        if made.status == 0:
            got = real_ctr.ctr("containers", "info", "--spec", cid).stdout.encode()
            real_ctr.ctr("containers", "rm", cid)
        else:
            got = made.stderr.split("runtime-spec : v1.0.2-dev: ", 1)[1].encode()
        assert got == case.with_suffix(".ctr").read_bytes(), case.name
