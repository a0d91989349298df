"""Load benchmark (issue 14): the Toyota demo behind gunicorn, N staff at once with locust, one markdown table.

    # PostgreSQL (builds the Toyota demo in the named database the first time), 32 users for 2 minutes:
    .venv/bin/python benchmarks/load/run.py --postgres postgres://postgres@127.0.0.1:5432/tsunagiai_load \
        --users 32 --duration 120
    # SQLite (builds /tmp/tsunagiai-load.sqlite3 the first time):
    .venv/bin/python benchmarks/load/run.py --sqlite /tmp/tsunagiai-load.sqlite3 --users 8 --duration 60
    # The code of another checkout (e.g. `git worktree add /tmp/before <commit>`) with the plain deployment
    # the old docs described, `gunicorn -w 2 config.wsgi` (sync workers, no preload):
    .venv/bin/python benchmarks/load/run.py --code /tmp/before --plain --postgres postgres://…/tsunagiai_before

Steps: migrate + load_reference + demo_data --scale toyota when the database has no people yet; a sample of
the households and cases each demo login may open (benchmarks/load/locustfile.py reads it); collectstatic;
gunicorn with config/gunicorn.conf.py (or --plain) on a free port; locust headless for --duration seconds;
then the table: requests/s, p50/p95/p99 and errors per page, and the server's CPU per request (user + system
time of gunicorn's processes, from /proc, divided by the requests served). `--markdown FILE` appends it.

Locust runs on the same machine as the server (and the database): on the 2-core benchmark machine it takes
CPU from both, as a city's users would not. Numbers on a shared machine are noisy: repeat, and compare only
runs made one after the other.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LOGINS = ("coordinator", "supervisor", "branch")

SAMPLE_SCRIPT = """
import json
from tsunagiai.accounts import access
from tsunagiai.accounts.models import User
out = {}
for name in %(logins)r:
    user = User.objects.filter(username=name).first()
    if user is None:
        continue
    out[name] = {
        "households": list(access.visible_households(user).order_by("?").values_list("pk", flat=True)[:300]),
        "cases": list(access.visible_cases(user).order_by("?").values_list("pk", flat=True)[:300]),
        "dashboard": access.may_view_dashboard(user),
        "records_intakes": name == "branch",
    }
print("SAMPLE" + json.dumps({"logins": out}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def manage(code: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [sys.executable, "manage.py", *args], cwd=code, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and all its living descendants (gunicorn's master and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pending.extend(int(c) for c in children)
    return total


def wait_until_up(url: str, server: subprocess.Popen[bytes], deadline_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited while starting")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our local server
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {deadline_s} s")


def timed_get(url: str) -> float:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=180) as response:  # noqa: S310 - our local server
            response.read()
    except OSError as error:
        print(f"warm-up request failed: {error}", flush=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--postgres", metavar="URL", help="DATABASE_URL of the PostgreSQL database to use")
    where.add_argument("--sqlite", metavar="PATH", help="SQLite file to use")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is served (default: this one)")
    parser.add_argument("--plain", action="store_true", help="`gunicorn -w 2 config.wsgi` instead of the config")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument(
        "--think", default="0.5-2.0", help="seconds each user waits between requests, LOW-HIGH (default 0.5-2.0)"
    )
    parser.add_argument("--spawn-rate", type=float, default=4.0)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--label", default="", help="names the run in the table")
    parser.add_argument("--markdown", type=Path, help="append the table to this file")
    parser.add_argument("--seed", default="8050", help="demo_data --seed when it builds the database")
    options = parser.parse_args()

    code = options.code.resolve()
    work = Path(tempfile.mkdtemp(prefix="tsunagiai-load-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "TSUNAGIAI_TESTING"}}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "TSUNAGIAI_VAR_DIR": str(work / "var")}
    if options.postgres:
        env["DATABASE_URL"] = options.postgres
        database = "PostgreSQL"
    else:
        env["SQLITE_PATH"] = str(Path(options.sqlite).resolve())
        database = "SQLite"

    manage(code, env, "migrate", "--no-input", "-v", "0")
    people = manage(
        code, env, "shell", "-c", "from tsunagiai.people.models import Person; print(Person.objects.count())"
    )
    if int(people.strip().splitlines()[-1]) < 50_000:
        print("building the Toyota demo (load_reference, demo_data --scale toyota) …", flush=True)
        manage(code, env, "load_reference")
        manage(code, env, "demo_data", "--scale", "toyota", "--seed", options.seed)
    sample_out = manage(code, env, "shell", "-c", SAMPLE_SCRIPT % {"logins": LOGINS})
    sample = work / "sample.json"
    sample.write_text(sample_out.split("SAMPLE", 1)[1], encoding="utf-8")

    port = free_port()
    if options.plain:
        command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--bind", f"127.0.0.1:{port}"]
        command += ["--control-socket", str(work / "gunicorn.ctl"), "config.wsgi"]
    else:
        env["TSUNAGIAI_SERVE_COLLECTED_STATIC"] = "1"
        manage(code, env, "collectstatic", "--no-input", "-v", "0")
        command = [str(Path(sys.executable).parent / "gunicorn"), "--config", str(code / "config" / "gunicorn.conf.py")]
        command += ["--bind", f"127.0.0.1:{port}"]
    log = (work / "gunicorn.log").open("wb")
    started = time.monotonic()
    server = subprocess.Popen(command, cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server, 300)
        up_s = time.monotonic() - started
        # The first page after the start (a worker's first request pays for whatever was not loaded before
        # the fork), then a few more so every worker has answered once before the measured load.
        first_page_s = timed_get(f"http://127.0.0.1:{port}/login/")
        for _ in range(8):
            timed_get(f"http://127.0.0.1:{port}/login/")
        cpu_before = cpu_seconds(server.pid)
        prefix = work / "locust"
        locust = [str(Path(sys.executable).parent / "locust"), "-f", str(HERE / "locustfile.py"), "--headless"]
        locust += ["-u", str(options.users), "-r", str(options.spawn_rate), "-t", f"{options.duration}s"]
        locust += [
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        subprocess.run(locust, env={**os.environ, "LOAD_SAMPLE": str(sample), "LOAD_THINK": options.think}, check=False)  # noqa: S603
        cpu_used = cpu_seconds(server.pid) - cpu_before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    rows = list(csv.DictReader((work / "locust_stats.csv").open(encoding="utf-8")))
    table = render(rows, options, database, cpu_used, up_s, first_page_s, command, code)
    print(table)
    if options.markdown:
        with options.markdown.open("a", encoding="utf-8") as out:
            out.write(table + "\n")
    print(f"(work folder: {work})")


def render(
    rows: list[dict[str, str]],
    options: argparse.Namespace,
    database: str,
    cpu_used: float,
    up_s: float,
    first_page_s: float,
    command: list[str],
    code: Path,
) -> str:
    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    server = "plain `gunicorn -w 2 config.wsgi`" if options.plain else "config/gunicorn.conf.py"
    lines = [
        f"**{options.label or 'run'}** — {database}, {server}, code {commit or code}"
        f"{' + working tree' if code == ROOT else ''}, {options.users} users (think {options.think} s) "
        f"for {options.duration} s, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d}: **{float(total['Requests/s']):.1f} requests/s**, "
        f"p95 {total['95%']} ms, {failures} errors of {requests}, "
        f"server CPU {1000 * cpu_used / max(requests, 1):.0f} ms per request; "
        f"/healthz up {up_s:.1f} s after the start, "
        f"the first page {first_page_s:.1f} s later.",
        "",
        "| page | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.2f} "
        f"| {row['50%']} | {row['95%']} | {row['99%']} |"
        for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"]))
    )
    lines.append("")
    lines.append(f"<!-- {shlex.join(command)} -->")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
