"""Turn raw samples into summaries, ratios, target verdicts and the Markdown report."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.plan import CONTENDERS, FEATURE_PAIRS, TARGETS, WORKLOAD_TITLES, WORKLOADS

Rounds = list[dict[str, float] | None]  # per round: {"rps", "cpu_per_1k", "server_share"}


def spread(values: list[float]) -> dict[str, float] | None:
    """Median, min and max, or ``None`` for no values."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def paired_ratio(rounds: Rounds, base: Rounds, field: str) -> dict[str, float] | None:
    """Per-round ratios of ``field`` (both measured in the same round), summarised."""
    ratios = [
        a[field] / b[field]
        for a, b in zip(rounds, base, strict=False)
        if a is not None and b is not None and b[field]
    ]
    return spread(ratios)


def summarise(http: dict[str, dict[str, Rounds]]) -> dict[str, dict[str, Any]]:
    """``http[workload][key]`` rounds -> stats and ratios against each contender's baseline."""
    by_key = {c.key: c for c in CONTENDERS}
    out: dict[str, dict[str, Any]] = {}
    for workload, table in http.items():
        out[workload] = {}
        for key, rounds in table.items():
            ok = [r for r in rounds if r is not None]
            if not ok:
                continue
            entry: dict[str, Any] = {
                field: spread([r[field] for r in ok])
                for field in ("rps", "cpu_per_1k", "server_share")
            }
            baseline = by_key[key].baseline if key in by_key else None
            if baseline and baseline in table:
                entry["baseline"] = baseline
                entry["rps_x_raw"] = paired_ratio(rounds, table[baseline], "rps")
                entry["cpu_x_raw"] = paired_ratio(rounds, table[baseline], "cpu_per_1k")
            out[workload][key] = entry
    return out


def check_targets(
    http: dict[str, dict[str, Rounds]],
    import_time: dict[str, Any] | None,
    overhead: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Verdict for every target (see ``benchmarks.plan``) that this run could measure."""
    verdicts: list[dict[str, Any]] = []
    for target in TARGETS:
        for workload in target.workloads:
            table = http.get(workload, {})
            ratio = efficiency = None
            if target.contender in table and target.reference in table:
                ours, ref = table[target.contender], table[target.reference]
                ratio = paired_ratio(ours, ref, "rps")
                # CPU per request of the reference over ours: the same ratio, read from cost
                # rather than throughput (steadier when other processes share the machine).
                efficiency = paired_ratio(ref, ours, "cpu_per_1k")
            verdicts.append(
                {
                    "target": target.name,
                    "workload": workload,
                    "minimum": target.minimum,
                    "ratio": ratio,
                    "cpu_efficiency": efficiency,
                    "met": None if ratio is None else ratio["median"] >= target.minimum,
                }
            )
    if overhead is not None and "results" in overhead:
        # The features-on target, from benchmarks.feature_overhead: against the emulator.
        for kind, r in overhead["results"].items():
            cpu = r["cpu_us_per_request"]
            efficiency = cpu["off"] / cpu["on"]  # the suite always compares on with off
            verdicts.append(
                {
                    "target": f"features on >= {overhead['minimum']} x off, {kind}, "
                    "emulator (interleaved blocks)",
                    "workload": "get",
                    "minimum": overhead["minimum"],
                    "ratio": r["ratio"],
                    "cpu_efficiency": {"median": efficiency, "min": efficiency, "max": efficiency},
                    "met": r["met"],
                }
            )
    if import_time is not None and "codegen_sync_x_floor" in import_time:
        ratio_value = float(import_time["codegen_sync_x_floor"])
        no_aiohttp = not import_time["codegen_sync_imports_aiohttp"]
        verdicts.append(
            {
                "target": "import codegen_sync <= 1.5 x import urllib3+msgspec, without aiohttp",
                "workload": "import",
                "minimum": 1.5,
                "ratio": {"median": ratio_value, "min": ratio_value, "max": ratio_value},
                "met": ratio_value <= 1.5 and no_aiohttp,
                "imports_aiohttp": not no_aiohttp,
            }
        )
    return verdicts


# --- Markdown -----------------------------------------------------------------------------


def _num(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _range(s: dict[str, float] | None, digits: int = 0, scale: float = 1.0) -> str:
    if not s:
        return "-"
    lo, hi = s["min"] * scale, s["max"] * scale
    return f"{_num(lo, digits)}-{_num(hi, digits)}"


def _ratio(s: dict[str, float] | None) -> str:
    return "—" if not s else f"{s['median']:.2f}"


def _http_table(workload: str, summary: dict[str, Any], status: dict[str, str]) -> list[str]:
    lines = [
        f"### {WORKLOAD_TITLES[workload]}",
        "",
        "| contender | req/s (median) | min-max | x raw "
        "| CPU s / 1k req | x raw | server CPU (median / max) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for contender in CONTENDERS:
        key = contender.key
        entry = summary.get(key)
        if entry is None:
            reason = status.get(key)
            if reason:
                lines.append(f"| {key} | {reason} | | | | | |")
            continue
        rps, cpu, srv = entry["rps"], entry["cpu_per_1k"], entry["server_share"]
        base = " (raw)" if contender.is_baseline else ""
        lines.append(
            f"| {key}{base} | {_num(rps['median'])} | {_range(rps)} "
            f"| {_ratio(entry.get('rps_x_raw'))} "
            f"| {cpu['median']:.3f} | {_ratio(entry.get('cpu_x_raw'))} "
            f"| {srv['median'] * 100:.0f}% / {srv['max'] * 100:.0f}% |"
        )
    lines.append("")
    return lines


def _compact(summary: dict[str, Any]) -> list[str]:
    """One table, every contender and workload: the one docs/benchmarks.md quotes."""
    workloads = [w for w in WORKLOADS if w in summary]
    if not workloads:
        return []
    head = " | ".join(f"{w} req/s | x raw" for w in workloads)
    lines = [
        "### Summary (median req/s; x raw = paired ratio to the raw stack)",
        "",
        f"| contender | {head} | CPU s / 1k {workloads[0]} |",
        "|---|" + "---:|---:|" * len(workloads) + "---:|",
    ]
    for contender in CONTENDERS:
        cells = []
        for w in workloads:
            entry = summary[w].get(contender.key)
            if entry is None:
                cells += ["-", "-"]
                continue
            raw = "raw" if contender.is_baseline else _ratio(entry.get("rps_x_raw"))
            cells += [_num(entry["rps"]["median"]), raw]
        first = summary[workloads[0]].get(contender.key)
        if first is None and all(c == "-" for c in cells):
            continue
        cpu = f"{first['cpu_per_1k']['median']:.3f}" if first else "-"
        lines.append(f"| {contender.key} | {' | '.join(cells)} | {cpu} |")
    return [*lines, ""]


def _machine(m: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    return [
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}",
        f"- **Python:** {m['python']}; lean server loop: {m['server_loop']}",
        f"- **Command:** `{m['command']}`",
        f"- **Versions:** {versions}",
    ]


def _overhead(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    if "results" not in data:
        return ["### Features on against off, on the emulator", "", str(data), ""]
    from benchmarks.feature_overhead import markdown as overhead_table

    return [
        "### Features on against off, `get_agent_run` on the emulator",
        "",
        f"`python -m benchmarks.feature_overhead`: both clients in one process, taking turns "
        f"in blocks of {data['block']:,} requests (async, 64 tasks) or {data['sync_block']:,} "
        f"(sync, one thread), order on-off, off-on, ...; {data['pairs']} pairs of blocks; the "
        "emulator in its own process, limits off, a different run per request (the cache "
        "never answers one).",
        "",
        *overhead_table(data),
        "",
    ]


def _extras(results: dict[str, Any]) -> list[str]:
    lines: list[str] = _overhead(results.get("feature_overhead"))
    decode = results.get("decode")
    if decode and "results" in decode:
        lines += [
            f"### Decoding one 100-run page ({decode['page_bytes']:,} bytes), no HTTP",
            "",
            "| decoder | µs / page (median) | min-max | x msgspec |",
            "|---|---:|---:|---:|",
        ]
        for name, v in decode["results"].items():
            if "unavailable" in v:
                lines.append(f"| {name} | unavailable: {v['unavailable']} | | |")
            else:
                lines.append(
                    f"| {name} | {v['us_per_page']:.1f} | {v['min']:.1f}-{v['max']:.1f} "
                    f"| {v.get('x_msgspec', 0):.2f} |"
                )
        lines.append("")
    imports = results.get("import_time")
    if imports and "results" in imports:
        lines += [
            f"### Import time (fresh interpreter, median of {imports['repeat']})",
            "",
            "| import | ms (median) | min-max | also loaded |",
            "|---|---:|---:|---|",
        ]
        for name, v in imports["results"].items():
            if "unavailable" in v:
                lines.append(f"| `{name}` | unavailable: {v['unavailable']} | | |")
            else:
                also = ", ".join(v["also_imported"]) or "—"
                lines.append(
                    f"| `{name}` | {v['ms']:.1f} | {v['min']:.1f}-{v['max']:.1f} | {also} |"
                )
        lines.append("")
    memory = results.get("stream_memory")
    if memory:
        lines += [
            "### Streaming memory",
            "",
            "| stream | runs | runs/s | RSS before (MB) | peak RSS growth (MB) "
            "| tracemalloc peak (MB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, v in memory.items():
            if "unavailable" in v or "error" in v:
                lines.append(f"| {name} | {v.get('unavailable') or v.get('error')} | | | | |")
                continue
            traced = v.get("tracemalloc_peak_mb")
            lines.append(
                f"| {name} | {v['runs']:,} | {_num(v['runs_per_s'])} | {v['rss_before_mb']:.1f} "
                f"| {v['peak_growth_mb']:.1f} | {'—' if traced is None else f'{traced:.2f}'} |"
            )
        lines.append("")
    return lines


def _features(summary: dict[str, Any]) -> list[str]:
    lines = [
        "### Cost of rate limiter + cache + metrics (CPU s / 1k requests, on vs off)",
        "",
        "| client | workload | off | on | on - off (ms per 1k) | on / off |",
        "|---|---|---:|---:|---:|---:|",
    ]
    rows = 0
    for off_key, on_key in FEATURE_PAIRS:
        for workload in WORKLOADS:
            off = summary.get(workload, {}).get(off_key)
            on = summary.get(workload, {}).get(on_key)
            if not off or not on:
                continue
            a, b = off["cpu_per_1k"]["median"], on["cpu_per_1k"]["median"]
            lines.append(
                f"| {off_key} | {workload} | {a:.3f} | {b:.3f} "
                f"| {(b - a) * 1000:+.1f} | {b / a:.2f} |"
            )
            rows += 1
    return [*lines, ""] if rows else []


def _targets(verdicts: list[dict[str, Any]]) -> list[str]:
    lines = [
        "### Targets",
        "",
        "| target | workload | req/s ratio (median, min-max) | met "
        "| CPU-cost ratio (reference CPU / ours) |",
        "|---|---|---:|:---:|---:|",
    ]
    for v in verdicts:
        met = {True: "yes", False: "**NO**", None: "—"}[v["met"]]
        lines.append(
            f"| {v['target']} | {v['workload']} | {_fmt_ratio(v['ratio'])} | {met} "
            f"| {_fmt_ratio(v.get('cpu_efficiency'))} |"
        )
    lines += [
        "",
        "The verdict uses the requests/s ratio, as the target states it. The CPU-cost ratio is the "
        "same comparison read from CPU seconds per request; it moves less when other processes "
        "share the machine.",
    ]
    return [*lines, ""]


def _fmt_ratio(r: dict[str, float] | None) -> str:
    if r is None:
        return "—"
    return f"{r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f})"


def markdown(results: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    cfg = results["config"]
    title = "# codegen-client benchmarks"
    if cfg.get("quick"):
        title += " (quick smoke run: short samples, one round; not for quoting)"
    lines = [title, "", *_machine(results["machine"]), ""]
    lines.append(
        f"{cfg['rounds']} interleaved rounds; each sample is a fresh process timing about "
        f"{cfg['seconds']} s of requests after a warm-up, against the lean server on 127.0.0.1. "
        'Medians with min-max over rounds. "x raw" is the median of per-round ratios to the raw '
        "stack of the same kind and concurrency (raw aiohttp+msgspec for async, raw "
        "urllib3+msgspec for sync); for CPU, lower is better. Server CPU is the lean server's "
        "share of one core during the timed window."
    )
    lines.append("")
    if results.get("targets"):
        lines += _targets(results["targets"])
    lines += _compact(results["summary"])
    status = results.get("status", {})
    for workload in WORKLOADS:
        if workload in results["summary"]:
            lines += _http_table(workload, results["summary"][workload], status)
    lines += _features(results["summary"])
    rounds = results.get("server_round_max")
    if rounds:
        shares = ", ".join(f"{s * 100:.0f}%" for s in rounds)
        lines += [f"Lean server, busiest sample of each round (share of one core): {shares}.", ""]
    noise = results.get("noise")
    if noise:
        loads = [
            r["foreign_load"]
            for table in results["samples"].values()
            for rounds_ in table.values()
            for r in rounds_
            if r is not None and "foreign_load" in r
        ]
        if loads:
            lines += [
                f"Other processes on the machine during kept samples: median "
                f"{statistics.median(loads):.2f} cores, max {max(loads):.2f}; "
                f"{noise['reruns']} of {noise['samples']} samples were re-run because other load "
                f"exceeded {noise['max_foreign']} cores.",
                "",
            ]
    lines += _extras(results)
    return "\n".join(lines).rstrip() + "\n"
