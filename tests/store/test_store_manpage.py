"""ctrfsctl(1) documents every command ctrfsctl has, and the exit statuses it gives."""
import re

import pytest


@pytest.fixture
def man(source_dir):
    return (source_dir / "doc" / "ctrfsctl.1").read_text()


def section(man, name):
    return re.search(rf"^\.SH {name}\n(.*?)(?=^\.SH |\Z)", man, re.M | re.S).group(1)


def test_every_command_has_an_entry(man, ctl):
    top = ctl.ok("--help")
    commands = re.findall(r"^  (\w+)", top.split("Commands:")[1].split("Options:")[0], re.M)
    assert {"check", "init", "version", "events"} <= set(commands)
    entries = section(man, "COMMANDS")
    for cmd in commands:
        assert re.search(rf"^\.B {cmd}\b", entries, re.M), f"no entry for {cmd}"


def test_check_and_its_exit_statuses_are_documented(man, no_store):
    entry = section(man, "COMMANDS").split(".B check", 1)[1].split(".TP", 1)[0]
    assert "1 problems found" in entry and "3 the store could not be opened or read" in entry
    exit_status = section(man, "EXIT STATUS")
    assert "\\fBcheck\\fR: 1 when it found problems, 3 when the store could not" in exit_status
    # and that is what it does
    assert no_store("check").status == 3


def test_the_export_format_of_strings_that_are_not_utf8_is_documented(man):
    assert '"base64"' in section(man, "EXPORT FORMAT")
