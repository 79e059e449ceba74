#!/usr/bin/env python3
"""Copy the benchmark tables of benchmarks/results/latest.md into README.md between markers."""

import re
from pathlib import Path

root = Path(__file__).resolve().parent.parent
md = (root / "benchmarks/results/latest.md").read_text()
head = md.split("### Targets")[0]
machine = "\n".join(line for line in head.splitlines() if line.startswith("- **"))
targets = "### Targets" + md.split("### Targets")[1].split("### Summary")[0]
summary = "### Summary" + md.split("### Summary")[1].split("\n### ")[0]
targets = targets.replace("### Targets (issue #9)", "**Targets** (ratios from the same run)")
summary = summary.replace(
    "### Summary (median req/s; x raw = paired ratio to the raw stack)",
    "**Throughput** (median requests per second; x raw = paired ratio to the raw stack"
    " of the same run)",
)
block = f"""<!-- bench:start -->
{machine}

{targets.strip()}

{summary.strip()}
<!-- bench:end -->"""
readme = (root / "README.md").read_text()
if "<!-- bench:start -->" in readme:
    readme = re.sub(r"<!-- bench:start -->.*?<!-- bench:end -->", block, readme, flags=re.S)
else:
    section = f"""## Benchmarks

One command runs the whole suite: `.venv/bin/python -m benchmarks.run` (or `make bench`;
`--quick` for a one-minute smoke run). Each contender runs in its own fresh process against
a lean HTTP server on 127.0.0.1 that answers precomputed Codegen API bodies (a 100-run page
is about 40 KB) and never uses more than a third of its core; rounds are interleaved,
medians of 5, and every figure is also a ratio to the raw HTTP stack measured in the same
run. Every contender decodes into typed objects. Full tables, CPU per request, decoding,
import time and streaming memory: [benchmarks/results/latest.md](benchmarks/results/latest.md)
(JSON beside it); method: [docs/benchmarks.md](docs/benchmarks.md).

{block}

"""
    readme = readme.replace("## The emulator\n", section + "## The emulator\n", 1)
(root / "README.md").write_text(readme)
