"""Time `load_reference` and `demo_data` on a fresh database: SQLite always, PostgreSQL when asked.

    .venv/bin/python benchmarks/demo_data.py                      # toyota scale on a fresh SQLite file
    .venv/bin/python benchmarks/demo_data.py --scale small
    .venv/bin/python benchmarks/demo_data.py --postgres postgres://postgres@127.0.0.1:5432/tsunagiai_bench

The PostgreSQL database is dropped and created again (dropdb/createdb), so
point it at a database used for nothing else. Each step runs as its own
`manage.py` process, as `make run` does, and is timed from the outside
(wall clock, including interpreter start-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout  # noqa: S607
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line), "")
    except OSError:
        pass
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    return f"{model or platform.processor()}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}"


def manage(*args: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def run(label: str, env: dict[str, str], scale: str, seed: int) -> None:
    print(f"\n{label}")
    for args in (
        ("migrate", "--no-input", "-v0"),
        ("load_reference",),
        ("demo_data", "--scale", scale, "--seed", str(seed)),
    ):
        elapsed, last = manage(*args, env=env)
        print(f"  {' '.join(args[:3]):<32} {elapsed:7.1f} s   {last[:110]}")


def recreate_postgres(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    common = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *common, name], check=True)  # noqa: S603, S607
    subprocess.run(["createdb", *common, name], check=True)  # noqa: S603, S607


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="toyota", choices=["small", "toyota"])
    parser.add_argument("--seed", type=int, default=8050)
    parser.add_argument("--postgres", metavar="URL", help="also time a PostgreSQL database at this URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    options = parser.parse_args()
    print(f"Machine: {machine()}")
    base = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SQLITE_PATH")}
    if not options.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "bench.sqlite3")
            run(f"SQLite ({path})", {**base, "SQLITE_PATH": path}, options.scale, options.seed)
    if options.postgres:
        recreate_postgres(options.postgres)
        run(f"PostgreSQL ({options.postgres})", {**base, "DATABASE_URL": options.postgres}, options.scale, options.seed)


if __name__ == "__main__":
    main()
