#!/usr/bin/env python3
"""Runs protoc-c on containerd's own .proto files and flattens its output for meson.

protoc-c writes each file under its import path (github.com/containerd/containerd/api/
services/containers/v1/containers.pb-c.c); meson wants every output in one directory,
so each file is renamed after its path (services_containers_v1_containers.pb-c.c) and
the #include lines between them are rewritten to match. gogo.proto and fieldpath.proto
are imported `weak` for Go-only options: no C code refers to them, so their includes
are dropped instead of compiling descriptor.proto for nothing.

usage: generate.py PROTOC_C OUTDIR -I DIR [-I DIR...] -- IMPORT_PATH...
"""
import os
import re
import subprocess
import sys
import tempfile

API_PREFIX = "github.com/containerd/containerd/api/"
WEAK = ("gogoproto/gogo.pb-c.h", "github.com/containerd/containerd/protobuf/plugin/fieldpath.pb-c.h")


def flat(path):
    """The one-directory name of an import path's generated file."""
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX):]
    return path.replace("/", "_")


def main(argv):
    protoc, outdir = argv[1], argv[2]
    sep = argv.index("--")
    includes = argv[3:sep]
    protos = argv[sep + 1:]
    include = re.compile(r'^#include "([^"]+\.pb-c\.h)"\s*$')
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([protoc, *includes, "--c_out=" + tmp, *protos], check=True)
        for proto in protos:
            stem = proto[: -len(".proto")] + ".pb-c"
            for ext in (".c", ".h"):
                with open(os.path.join(tmp, stem + ext)) as f:
                    lines = f.readlines()
                out = []
                for line in lines:
                    m = include.match(line)
                    if m and m.group(1) in WEAK:
                        continue
                    if m:
                        line = '#include "%s"\n' % flat(m.group(1))
                    out.append(line)
                with open(os.path.join(outdir, flat(stem + ext)), "w") as f:
                    f.writelines(out)


if __name__ == "__main__":
    main(sys.argv)
