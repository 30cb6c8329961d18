"""The daemon's log: one line per record, whatever names users give files. Names in
refusals are escaped as Go's %q does (\\n, \\t, \\x1b, \\\\, \\"), so that a label key
cannot split a record or forge a `ctrfs: refused` line."""
import errno
import os
import re

import pytest

FORGED = "k\nctrfs: refused everything: forged (EPERM)"


def refused_write(mnt, name):
    """Sets a value over the label size limit (key + value > 4096) through the mount."""
    with pytest.raises(OSError) as e:
        with open(mnt.path("default/c1/labels/") / name, "w") as f:
            f.write("v" * 5000)
    assert e.value.errno == errno.EINVAL


def test_a_key_with_a_newline_stays_on_one_log_line(mnt):
    mnt.expect(r"^ctrfs: refused write /default/c1/labels/k\\nctrfs: refused everything: "
               r"forged \(EPERM\): .*key: k\\nctrfs: r: invalid argument \(EINVAL\)$")
    with mnt.unchanged():
        refused_write(mnt, FORGED)
    lines = mnt.log().splitlines()
    assert [l for l in lines if "forged" in l] == [l for l in lines if "refused" in l]
    assert len([l for l in lines if "refused" in l]) == 1
    assert not any(l.startswith("ctrfs: refused everything") for l in lines)


def test_control_bytes_backslashes_and_quotes_in_names_are_escaped(mnt):
    name = 'e\x1b[2J\t\\"\x7f\udcff'  # ESC, tab, backslash, quote, DEL, byte 0xff
    mnt.expect(r'^ctrfs: refused write /default/c1/labels/e\\x1b\[2J\\t\\\\\\"\\x7f\\xff: ')
    with mnt.unchanged():
        refused_write(mnt, name)
    log = mnt.log()
    assert "\x1b" not in log and "\t" not in log


def test_valid_utf8_in_names_is_kept_but_invisible_runes_are_escaped(mnt):
    name = "caf\u00e9\u202e"  # é as itself, RIGHT-TO-LEFT OVERRIDE escaped
    mnt.expect(r"^ctrfs: refused write /default/c1/labels/caf\u00e9\\u202e: ")
    with mnt.unchanged():
        refused_write(mnt, name)


# ---- MOUNT/.errors and -o log=FILE: where a user reads why ----

ERR_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z refused ")


def test_a_refusal_is_readable_in_dot_errors(mnt):
    mnt.expect(r"refused write /default/c1/labels/big: .*(EINVAL)")
    mnt.expect(r"refused open /default/c1/runtime/name: .* \(EPERM\)")
    assert mnt.text(".errors") == ""
    with mnt.unchanged():
        refused_write(mnt, "big")
        mnt.fails("echo x > default/c1/runtime/name", "Operation not permitted")
    text = mnt.text(".errors")
    lines = text.splitlines()
    assert len(lines) == 2 and all(ERR_LINE.match(l) for l in lines), text
    assert "refused write /default/c1/labels/big: " in lines[0] and "(EINVAL)" in lines[0]
    assert lines[1].endswith(
        "refused open /default/c1/runtime/name: runtime/name is immutable (EPERM)")
    # readable as a file: st_size is what cat reads, tail and grep work
    assert os.stat(mnt.path(".errors")).st_size == len(text.encode())
    assert mnt.ok("tail -n 1 .errors") == lines[1] + "\n"
    assert "labels/big" in mnt.ok("grep EINVAL .errors")


def test_dot_errors_is_read_only_unlisted_and_names_escaped(mnt):
    mnt.expect(r"refused write /default/c1/labels/e\\x1b\[2J: ")
    mnt.expect(r"refused unlink /\.errors")
    refused_write(mnt, "e\x1b[2J")
    assert "\x1b" not in mnt.text(".errors") and "labels/e\\x1b[2J: " in mnt.text(".errors")
    mnt.fails("echo x > .errors", "Permission denied")
    mnt.fails("rm .errors", "Operation not permitted")
    assert ".errors" not in os.listdir(mnt.path())
    assert oct(os.stat(mnt.path(".errors")).st_mode & 0o777) == "0o444"


def test_dot_errors_keeps_the_latest_100_lines(mnt):
    mnt.expect(r"refused mkdir /default/c1/labels/d\d+: ")
    script = "for i in $(seq 1 130); do mkdir default/c1/labels/d$i 2>/dev/null; done; true"
    mnt.ok(script)
    lines = mnt.text(".errors").splitlines()
    assert len(lines) == 100
    assert "labels/d31:" in lines[0] and "labels/d130:" in lines[-1]


def test_o_log_file_gets_every_refusal(store_only, tmp_path):
    log = tmp_path / "ctrfs.log"
    m = store_only.start("-o", f"log={log}")
    m.expect(r"refused open /default/c1/runtime/name: ")
    m.fails("echo x > default/c1/runtime/name", "Operation not permitted")
    m.stop()
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    assert re.match(r"^\S+Z ctrfs\[\d+\]: refused open /default/c1/runtime/name: "
                    r"runtime/name is immutable \(EPERM\)$", lines[0]), lines


def test_dot_errors_is_per_mount(store_only, tmp_path):
    from fstest import Mount
    m = store_only.start()
    other = Mount(m.build_dir, tmp_path / "b", store=m.store).start()
    try:
        m.expect(r"refused open /default/c1/runtime/name: ")
        m.fails("echo x > default/c1/runtime/name", "Operation not permitted")
        assert "runtime/name" in m.text(".errors")
        assert other.text(".errors") == ""
    finally:
        other.stop()
