"""Many processes and threads at once, through the mount and through ctrfsctl."""
import json
import os
import threading


def test_parallel_writers_readers_and_ctrfsctl(mnt):
    errors = []
    base = mnt.path("default")

    def guard(fn):
        def run(*a):
            try:
                fn(*a)
            except Exception as e:  # reported below, with the thread's name
                errors.append(f"{threading.current_thread().name}: {e!r}")
        return run

    @guard
    def labeler(n):
        for i in range(60):
            p = base / "c1" / "labels" / f"t{n}"
            p.write_text(f"{i}\n")
            assert p.read_text() in (f"{i}\n",)
            os.rename(p, base / "c1" / "labels" / f"r{n}")
            os.unlink(base / "c1" / "labels" / f"r{n}")

    @guard
    def reader(n):
        for _ in range(100):
            for rel in ("c1/image", "c1/spec.json", "c1/container.json", "c2/updated_at"):
                data = (base / rel).read_bytes()
                assert data.endswith(b"\n")
            json.loads((base / "c1" / "container.json").read_text())
            os.listdir(base / "c1" / "labels")

    @guard
    def statter(n):
        for _ in range(300):
            os.stat(base / "c1" / "container.json")
            os.stat(base / "c1" / "labels")

    @guard
    def maker(n):
        for i in range(30):
            d = base / f"m{n}-{i}"
            os.mkdir(d)
            (d / "image").write_text(f"img{i}\n")
            assert (d / "image").read_text() == f"img{i}\n"
            (d / "scratch").write_text("x")
            os.rmdir(d)

    @guard
    def ctl(n):
        for i in range(40):
            mnt.ctl("c", "update", "--image", f"ctl-{i}", "c2")

    threads = [threading.Thread(target=f, args=(n,), name=f"{f.__name__}-{n}")
               for f in (labeler, reader, statter, maker) for n in range(4)]
    threads.append(threading.Thread(target=ctl, args=(0,), name="ctl"))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, "\n".join(errors)
    assert sorted(os.listdir(base)) == [".labels", "c1", "c2"]
    assert sorted(os.listdir(base / "c1" / "labels")) == ["app", "tier"]
    assert mnt.text("default/c2/image") == "ctl-39\n"
