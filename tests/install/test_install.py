"""`meson install` puts everything where a system expects it (tested in a temp DESTDIR)."""
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))


@pytest.fixture(scope="module")
def destdir(tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    subprocess.run(["meson", "install", "-C", str(BUILD), "--destdir", str(dest), "--quiet"],
                   check=True, capture_output=True)
    return dest


def prefix_of(destdir):
    out = subprocess.run(["meson", "introspect", "--buildoptions", str(BUILD)],
                         check=True, capture_output=True, text=True).stdout
    import json
    opts = {o["name"]: o["value"] for o in json.loads(out)}
    return destdir / opts["prefix"].lstrip("/"), opts


def installed(destdir):
    return sorted(str(p.relative_to(destdir)) for p in destdir.rglob("*") if not p.is_dir())


def test_binaries_library_header_and_pkgconfig_are_installed(destdir):
    files = installed(destdir)
    for want in ["bin/ctrfsctl", "include/ctrfs/ctrfs_store.h", "libctrfs-store.so",
                 "pkgconfig/ctrfs-store.pc", "man/man1/ctrfsctl.1",
                 "lib/systemd/system/ctrfs.service",
                 "share/bash-completion/completions/ctrfsctl"]:
        assert any(f.endswith(want) for f in files), f"{want} not installed: {files}"


def test_daemon_and_its_man_page_are_installed_when_fuse_is_built(destdir):
    if not (BUILD / "fs" / "ctrfs").exists():
        pytest.skip("the FUSE daemon is not part of this build")
    files = installed(destdir)
    assert any(f.endswith("sbin/ctrfs") for f in files), files
    assert any(f.endswith("man/man8/ctrfs.8") for f in files), files


def test_systemd_unit_runs_the_installed_daemon(destdir):
    prefix, opts = prefix_of(destdir)
    unit = (prefix / "lib/systemd/system/ctrfs.service").read_text()
    assert f"ExecStart={opts['prefix']}/{opts['sbindir']}/ctrfs $CTRFS_OPTIONS " in unit
    assert "WantedBy=multi-user.target" in unit


def test_library_exports_only_the_public_api(destdir):
    lib = next(destdir.rglob("libctrfs-store.so.*.*.*"))
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True,
                         capture_output=True, text=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.split()[-1:] != ["CTRFS_STORE_0.1"]]
    assert names and all(n.startswith("ctrfs_") for n in names), [n for n in names if not n.startswith("ctrfs_")]


def test_a_program_builds_against_the_installed_library_with_pkg_config(destdir, tmp_path):
    prefix, opts = prefix_of(destdir)
    if opts.get("b_sanitize", "none") != "none":
        pytest.skip("a sanitizer build's library needs the sanitizer runtime to link")
    pc_dir = next(destdir.rglob("ctrfs-store.pc")).parent
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc_dir), PKG_CONFIG_SYSROOT_DIR=str(destdir))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "ctrfs-store"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    src = tmp_path / "use.c"
    src.write_text(textwrap.dedent("""\
        #include <ctrfs_store.h>
        #include <stdio.h>
        int main(int argc, char **argv)
        {
            ctrfs_store *s;
            ctrfs_error err;
            ctrfs_container c = {0};
            (void)argc;
            if (ctrfs_store_open(argv[1], NULL, &s, &err)) { puts(err.text); return 1; }
            c.id = "from-pkg-config";
            c.runtime_name = CTRFS_STORE_DEFAULT_RUNTIME;
            if (ctrfs_spec_default("default", c.id, &c.spec, &err)) return 1;
            c.has_spec = 1;
            if (ctrfs_container_create(s, "default", &c, NULL, &err)) { puts(err.text); return 1; }
            ctrfs_any_clear(&c.spec);
            ctrfs_store_close(s);
            return 0;
        }
        """))
    exe = tmp_path / "use"
    subprocess.run(["cc", "-o", str(exe), str(src)] + flags, check=True)
    libdir = next(destdir.rglob("libctrfs-store.so")).parent
    store = tmp_path / "store"
    subprocess.run([str(exe), str(store)], check=True,
                   env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)))
    out = subprocess.run([str(BUILD / "tools/ctrfsctl"), "--store", str(store), "containers", "ls", "-q"],
                         check=True, capture_output=True, text=True).stdout
    assert out == "from-pkg-config\n"
