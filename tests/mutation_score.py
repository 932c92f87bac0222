"""Per-module mutation scores from ``mutmut results`` (``make mutants``; not a test).

A mutant counts as caught when a test failed (killed) or the run timed out; the score is
caught / checked, where "checked" leaves out mutants not run yet (reported apart).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict

CAUGHT = {"killed", "timeout"}
NAME = re.compile(r"^\s*(?P<module>[\w.]+?)\.x(?:_|ǁ).*: (?P<status>[\w ]+)$")


def scores(lines: list[str]) -> dict[str, Counter]:
    """Status counts by module from the lines of ``mutmut results --all true``."""
    found: dict[str, Counter] = defaultdict(Counter)
    for line in lines:
        match = NAME.match(line)
        if match:
            found[match["module"]][match["status"]] += 1
    return found


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                         capture_output=True, text=True, check=True).stdout
    print(f"{'module':40} {'score':>6} {'caught':>7} {'checked':>8} {'survived':>9} "
          f"{'no tests':>9} {'not run':>8}")
    for module, counts in sorted(scores(out.splitlines()).items()):
        not_run = counts["not checked"]
        checked = sum(counts.values()) - not_run
        caught = sum(counts[s] for s in CAUGHT)
        score = f"{100 * caught / checked:.1f}%" if checked else "-"
        print(f"{module:40} {score:>6} {caught:>7} {checked:>8} {counts['survived']:>9} "
              f"{counts['no tests']:>9} {not_run:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
