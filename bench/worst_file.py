"""The worst upload the reader can be given: ``python -m bench.worst_file``.

Builds the most expensive files that fit under the upload limit (20 MB) - each one just
within every limit of :mod:`portal.tabular`, or pushing one limit as far as it goes - and
reads each with :func:`portal.report_files.file_format.read_grid` in a fresh subprocess, so that one
file's memory does not hide another's. For each file: the wall time (median of three reads,
untraced; its CPU time too) and the extra memory, the larger of the peak of Python allocations
(tracemalloc,
which also sees expat's and zlib's buffers) and the growth of the process's maximum
resident size. Prints the worst of all files::

    worst_file_seconds: X s (≤ 2 s)
    worst_file_extra_mb: Y MB (≤ 100 MB)

Each file's own figures go to standard error.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_TARGET_S, MEMORY_TARGET_MB = 2.0, 100
UPLOAD_LIMIT = 20 * 1024 * 1024
REPEATS = 3


def _noise(rng: random.Random, size: int) -> str:
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=size))


def full_workbook() -> bytes:
    """Every budget used at once: shared strings, styles, filled cells, XML elements."""
    from portal import tabular
    from tests.data import hostile_uploads as h

    rng = random.Random(1)
    texts = [_noise(rng, 48) for _ in range(tabular.MAX_SHARED_STRINGS - 10)]
    formats = "".join(f'<numFmt numFmtId="{164 + n}" formatCode="0.{"0" * (n % 20)}%;[Red]'
                      f'-0.0%;&quot;{_noise(rng, 200)}&quot;"/>'
                      for n in range(tabular.MAX_NUMBER_FORMATS - 1))
    xfs = "".join(f'<xf numFmtId="{164 + n % 999 if n % 3 else 14}"/>'
                  for n in range(60_000))
    columns, rows = 20, (tabular.MAX_CELLS - 100) // 20
    lines = []
    for line in range(1, rows + 1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{line}" t="s"><v>{(line * columns + c) % len(texts)}</v></c>'
            if c % 2 else f'<c r="{chr(65 + c)}{line}" s="{rng.randrange(1, 60_000)}"><v>'
                          f'{rng.random():.15f}</v></c>' for c in range(columns))
        lines.append(f'<row r="{line}">{cells}<c/><c/><c/><c/></row>')
    sheet = h.sheet("".join(lines), padding=h.padding(300_000, 2))
    return h.book([("Лист1", "visible", sheet)], h.strings(texts),
                  h.styles(formats, xfs, padding=h.padding(100_000, 3)))


def long_tags() -> bytes:
    """A part as large as allowed, of tags each just shorter than the longest allowed.

    expat parses an unfinished tag again with every chunk it is given, so these cost the
    most per byte; random text keeps the file under the upload limit and the ratio check.
    """
    from portal import tabular
    from tests.data import hostile_uploads as h

    rng = random.Random(2)
    size = tabular.MAX_XML_TOKEN_BYTES - 1024
    count = (min(tabular.MAX_PART_BYTES, UPLOAD_LIMIT * 5 // 4) - 4096) // size
    tags = "".join(f'<sheetPr codeName="{_noise(rng, size)}"/>' for _ in range(count))
    sheet = h.sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>', padding=tags)
    return h.book([("Лист1", "visible", sheet)])


def formulas() -> bytes:
    """Shared formulas, each spelt out by openpyxl's (slow) tokenizer, up to the text budget."""
    from portal import tabular
    from tests.data import hostile_uploads as h

    master = "+".join(f"A{n}*B{n}" for n in range(1, 60))[:490]
    rows = [f'<row r="1"><c r="A1"><f t="shared" ref="A1:A{tabular.MAX_ROWS}" si="0">'
            f"{master}</f><v>1</v></c></row>"]
    rows += [f'<row r="{n}"><c r="A{n}"><f t="shared" si="0"/><v>1</v></c></row>'
             for n in range(2, tabular.MAX_ROWS)]
    return h.book([("Лист1", "visible", h.sheet("".join(rows), padding=h.padding(40_000, 4)))])


def widest_csv() -> bytes:
    """A 20 MB CSV: every filled cell and character allowed, then blank lines to the limit."""
    from portal import tabular

    rng = random.Random(3)
    head = "😀;" + ";".join(f"столбец {n}" for n in range(19)) + "\n"  # astral: 4 bytes a char
    body = "".join(";".join(_noise(rng, 45) for _ in range(20)) + "\n"
                   for _ in range(tabular.MAX_TEXT_CHARS // 1000 - 10))
    data = (head + body).encode()
    lines = tabular.MAX_SHEET_LINES - body.count("\n") - 10
    width = (UPLOAD_LIMIT - 1024 - len(data)) // lines
    blank = (" " * (width - 10) + ";" * 9 + "\n").encode()
    return data + blank * lines + b"x;1\n"


FILES = {"full_workbook.xlsx": full_workbook, "long_tags.xlsx": long_tags,
         "formulas.xlsx": formulas, "widest.csv": widest_csv}


def measure(path: str) -> dict:
    """Read one file (in this process) and return its time and extra memory."""
    sys.path.insert(0, str(ROOT))
    from portal import create_app
    from portal.config import TestConfig
    from portal.report_files import file_format
    from portal.tabular import FileRejected

    app = create_app(TestConfig)
    data = Path(path).read_bytes()
    with app.test_request_context():
        def read() -> str:
            try:
                grid = file_format.read_grid(data, Path(path).name)
                return f"read {len(grid.rows)} rows"
            except FileRejected as rejected:
                return f"refused: {rejected}"

        read_small = file_format.read_grid(b"code;value\nstaff_total;1\n", "warm-up.csv")
        del read_small
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times, cpu, outcome = [], [], ""
        for _ in range(REPEATS):
            started, used = time.perf_counter(), time.process_time()
            outcome = read()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        tracemalloc.start()
        read()
        peak_mb = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    return {"seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu),
            "extra_mb": max(rss_mb, peak_mb),
            "outcome": outcome[:120], "size_mb": len(data) / 2 ** 20}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2])))
        return 0
    sys.path.insert(0, str(ROOT))
    worst_seconds = worst_cpu = worst_mb = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-worst-file-") as folder:
        for name, build in FILES.items():
            path = Path(folder) / name
            data = build()
            assert len(data) < UPLOAD_LIMIT, (name, len(data))
            path.write_bytes(data)
            done = subprocess.run([sys.executable, "-m", "bench.worst_file", "--one", str(path)],
                                  cwd=ROOT, capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{name}: {figures['size_mb']:.1f} MB file, {figures['seconds']:.2f} s "
                  f"({figures['cpu_seconds']:.2f} s of CPU), {figures['extra_mb']:.0f} MB; "
                  f"{figures['outcome']}", file=sys.stderr)
            worst_seconds = max(worst_seconds, figures["seconds"])
            worst_cpu = max(worst_cpu, figures["cpu_seconds"])
            worst_mb = max(worst_mb, figures["extra_mb"])
    print(f"worst_file_seconds: {worst_seconds:.2f} s (≤ {TIME_TARGET_S:g} s)")
    print(f"worst_file_extra_mb: {worst_mb:.0f} MB (≤ {MEMORY_TARGET_MB} MB)")
    # Wall time counts waiting for a core on a busy machine; CPU time is the reader's own cost.
    print(f"worst_file_cpu_seconds: {worst_cpu:.2f} s (≤ {TIME_TARGET_S:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
