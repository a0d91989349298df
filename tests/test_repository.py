"""What the repository itself may hold: no symbolic links.

A tracked link (mode 120000) breaks where links do not travel: a checkout on Windows, a zip
of the repository, a deployment that copies files. It is also how a virtual environment
linked into a second checkout (``.venv`` as a link to the first one's) would slip into a
commit. The test reads git's index (``git ls-files -s``): what is committed or staged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SYMLINK_MODE = "120000"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        if (root / ".git").exists():
            pytest.fail(f"{root} is a git checkout but git is not installed: the tracked files cannot be read")
        pytest.skip(f"{root} is not a git checkout (no .git) and git is not installed: no tracked files to read")
    return subprocess.run([git, "-C", str(root), *args], capture_output=True, check=False)  # noqa: S603


def tracked_symlinks(root: Path) -> list[str]:
    """The paths git tracks as symbolic links below ``root`` (index entries of mode 120000)."""
    found = _git(root, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        message = found.stderr.decode(errors="replace")
        if "not a git repository" in message:
            # A source archive or a copy without .git (an sdist, a container image): nothing is tracked.
            pytest.skip(f"{root} is not a git checkout, so git tracks no files there to check for links")
        pytest.fail(f"git could not read {root}: {message}")  # e.g. "dubious ownership": not a reason to skip
    listed = _git(root, "ls-files", "-s", "-z")
    assert listed.returncode == 0, listed.stderr.decode(errors="replace")
    links = []
    for entry in listed.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        if not entry:
            continue
        meta, path = entry.split("\t", 1)
        if meta.split(" ", 1)[0] == SYMLINK_MODE:
            links.append(path)
    return links


def test_git_tracks_no_symbolic_links() -> None:
    links = tracked_symlinks(ROOT)
    assert links == [], (
        "git tracks symbolic links (mode 120000); commit the files themselves, or for a worktree's .venv link "
        "unstage it (git rm --cached <path>; .gitignore lists .venv):\n" + "\n".join(links)
    )


def test_a_staged_link_is_found(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: no repository can be made to show that a link is found")
    repo = tmp_path / "repo"
    repo.mkdir()
    assert _git(repo, "init", "-q").returncode == 0
    (repo / "file.txt").write_text("a file\n", encoding="utf-8")
    os.symlink("file.txt", repo / "link.txt")
    os.symlink(str(ROOT), repo / ".venv")
    assert _git(repo, "add", "file.txt", "link.txt", ".venv").returncode == 0
    assert sorted(tracked_symlinks(repo)) == [".venv", "link.txt"]
