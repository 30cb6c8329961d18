"""The daemon's log: one line per record, whatever names users give files. Names in
refusals are escaped as Go's %q does (\\n, \\t, \\x1b, \\\\, \\"), so that a label key
cannot split a record or forge a `ctrfs: refused` line."""
import errno
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
