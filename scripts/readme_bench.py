#!/usr/bin/env python3
"""Copy the headline tables of benchmarks/results/latest.md into docs/benchmarks.md.

They go between the ``<!-- bench:start -->`` and ``<!-- bench:end -->`` markers of the
"Latest results" section. Only what describes the measurement is copied (machine, Python,
command, versions, the targets and the summary table): no date and no commit, so the page
changes only when the figures do.
"""

import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
md = (root / "benchmarks/results/latest.md").read_text()
head = md.split("### Targets")[0]
machine = "\n".join(
    line
    for line in head.splitlines()
    if line.startswith("- **") and not line.startswith(("- **Date:**", "- **Commit:**"))
)
targets = "### Targets" + md.split("### Targets")[1].split("### Summary")[0]
summary = "### Summary" + md.split("### Summary")[1].split("\n### ")[0]
targets = re.sub(r"### Targets[^\n]*", "**Targets** (ratios from the same run)", targets, count=1)
summary = re.sub(
    r"### Summary[^\n]*",
    "**Throughput** (median requests per second; x raw = paired ratio to the raw stack"
    " of the same run)",
    summary,
    count=1,
)
block = f"""<!-- bench:start -->
{machine}

{targets.strip()}

{summary.strip()}
<!-- bench:end -->"""
page = root / "docs/benchmarks.md"
text = page.read_text()
if "<!-- bench:start -->" not in text:
    sys.exit(f"{page}: no <!-- bench:start --> marker to write the tables at")
text = re.sub(
    r"<!-- bench:start -->.*?<!-- bench:end -->", lambda _: block, text, count=1, flags=re.S
)
page.write_text(text)
