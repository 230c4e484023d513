"""Which files ``docker build`` sends, following ``.dockerignore`` as Docker reads it.

Docker matches each pattern (Go ``filepath.Match``, with ``**`` for any number of folders) against a
path and each of its parent folders; the last pattern that matches decides, ``!`` patterns include.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


@cache
def rules(dockerignore: Path = ROOT / ".dockerignore") -> tuple[tuple[bool, re.Pattern[str]], ...]:
    """(include, pattern) in file order."""
    found = []
    for line in dockerignore.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        found.append((include, _regex(line.lstrip("!").strip("/"))))
    return tuple(found)


def sent(path: str) -> bool:
    """Whether ``docker build`` sends the file at ``path`` (relative, with forward slashes)."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    decision = True
    for include, pattern in rules():
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            decision = include
    return decision


def context_files() -> list[str]:
    """The files of this checkout (tracked and untracked, not git-ignored) that the build context holds."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return sorted(p for p in listed if (ROOT / p).is_file() and sent(p))
