#!/usr/bin/env python3
"""Seeds for fuzz_store and fuzz_records from a real store (read with mdb_dump).

    fuzz/store_seeds.py STORE_DIR fuzz/corpus

writes corpus/store/<name>: records as fuzz_store.c reads them (u8 table, 0xff, u8 key
length, key, u16 LE value length, value), one seed per container (its namespace record
and its parts), one with the change log, one with the namespaces; and
corpus/records/<name>: single record values as they are stored.
"""
import os
import subprocess
import sys

TABLES = ["namespaces", "containers", "specs", "labels", "extensions", "events"]


def dump(store, table):
    out = subprocess.run(["mdb_dump", "-s", table, store], check=True,
                         capture_output=True, text=True).stdout
    lines = out.split("\n")
    data = lines[lines.index("HEADER=END") + 1:lines.index("DATA=END")]
    pairs = [bytes.fromhex(line.strip()) for line in data]
    return list(zip(pairs[0::2], pairs[1::2]))


def record(table, key, value):
    assert len(key) < 256 and len(value) < 65536
    return (bytes([TABLES.index(table), 0xFF, len(key)]) + key +
            len(value).to_bytes(2, "little") + value)


def main():
    store, corpus = sys.argv[1], sys.argv[2]
    db = {t: dump(store, t) for t in TABLES}
    seeds, records = {}, {}
    for key, core in db["containers"]:
        ns, ident = key.split(b"\0", 1)
        parts = [record("namespaces", k, v) for k, v in db["namespaces"] if k == ns]
        for table in TABLES[1:5]:
            parts += [record(table, k, v) for k, v in db[table] if k == key]
        name = (ns + b"-" + ident).decode()[:40]
        seeds[name] = b"".join(parts)
        records["core-" + name] = core
    seeds["events"] = b"".join(record("events", k, v) for k, v in db["events"])
    seeds["namespaces"] = b"".join(record("namespaces", k, v) for k, v in db["namespaces"])
    for table in ("specs", "labels", "extensions", "namespaces", "events"):
        for i, (_, value) in enumerate(db[table][:3]):
            records["%s-%d" % (table, i)] = value
    for sub, files in (("store", seeds), ("records", records)):
        os.makedirs(os.path.join(corpus, sub), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(corpus, sub, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
