"""Throughput and memory of ``screening scan`` and ``screening run``, beside Presidio cell by cell.

    python benchmarks/bench.py                  # 1,000,000 rows, 3 repeats, medians (free-text run: 1)
    python benchmarks/bench.py --quick          # 100,000 rows, 1 repeat: a smoke run
    python benchmarks/bench.py --rows 10000000 --skip-presidio   # memory flatness

The synthetic table (``screening.synthetic``, 12 columns, one of them free text) is generated once per row
count and seed, in chunks of 100,000 rows, and cached under benchmarks/data/ (git-ignored), together with a
variant without the free-text column. Each CLI command runs as a child process: wall time from
``time.perf_counter``, CPU time and peak RSS from ``os.wait4`` (the child's own rusage, taken by a lean
launcher process), and the peak RSS and anonymous memory of the whole process tree sampled from /proc
every 20-100 ms. The project's modules are compiled to bytecode first, as an installed package's are. The
Presidio baseline runs
``BatchAnalyzerEngine.analyze_dict`` over every cell of a sample (blank ``zh`` spaCy pipeline, an explicit
registry of Chinese pattern recognizers) and extrapolates linearly to the full row count.

Prints a Markdown table and writes the results as JSON (benchmarks/results.json by default;
benchmarks/data/results-quick.json for ``--quick``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import psutil
import pyarrow.parquet as pq

from screening import synthetic

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
FREE_TEXT = "remark"
MB = 1_000_000

# ---------------------------------------------------------------------------------------------------------
# Data


def data_files(data_dir: Path, rows: int, seed: int) -> dict[str, dict[str, Path]]:
    """Generate (once) and return {"text" | "notext": {"csv": path, "parquet": path}}."""
    stem = f"synthetic_{rows}_s{seed}"
    files = {
        variant: {fmt: data_dir / f"{stem}_{variant}.{fmt}" for fmt in ("csv", "parquet")}
        for variant in ("text", "notext")
    }
    meta_path = data_dir / f"{stem}.json"
    # A change to the generator makes the cached files stale.
    meta = {
        "rows": rows,
        "seed": seed,
        "columns": list(synthetic.DEFAULT_COLUMNS),
        "synthetic_sha256": hashlib.sha256(Path(synthetic.__file__).read_bytes()).hexdigest(),
    }
    paths = [p for variant in files.values() for p in variant.values()]
    if meta_path.exists() and json.loads(meta_path.read_text()) == meta and all(p.exists() for p in paths):
        return files

    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"generating {rows:,} rows into {data_dir} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    partial = {p: p.with_name(p.name + ".partial") for p in paths}
    csv_handles = {v: partial[files[v]["csv"]].open("wb") for v in files}
    parquet_writers: dict[str, pq.ParquetWriter] = {}
    try:
        for index, chunk in enumerate(synthetic.iter_table(rows, seed)):
            for variant in files:
                frame = chunk if variant == "text" else chunk.drop(FREE_TEXT)
                frame.write_csv(csv_handles[variant], include_header=index == 0)
                table = frame.to_arrow()
                if variant not in parquet_writers:
                    target = partial[files[variant]["parquet"]]
                    parquet_writers[variant] = pq.ParquetWriter(target, table.schema, compression="zstd")
                parquet_writers[variant].write_table(table)
    finally:
        for handle in csv_handles.values():
            handle.close()
        for writer in parquet_writers.values():
            writer.close()
    for final, temporary in partial.items():
        temporary.replace(final)
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return files


# ---------------------------------------------------------------------------------------------------------
# Child processes


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    """ru_maxrss of the child from os.wait4: its own peak (and that of children it waited for), not a sum."""
    tree_rss_mb: float
    """Peak of the summed RSS of the child and its descendants, sampled every 20-100 ms."""
    tree_anon_mb: float
    """Same for anonymous memory (RssAnon), i.e. without memory-mapped input files."""
    returncode: int
    stderr_tail: str = ""


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, anonymous RSS) of one process in bytes, from /proc/PID/status; (0, 0) once it is gone."""
    rss = anon = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1]) * 1024
    except OSError:
        with contextlib.suppress(psutil.Error):  # not Linux: RSS only
            rss = psutil.Process(pid).memory_info().rss
    return rss, anon


class _TreeSampler(threading.Thread):
    """Polls the summed memory of a launcher's descendants until stopped; kills them after ``timeout`` s.

    Every 20 ms for the first 2 s, then every 100 ms. The list of descendants is refreshed every 0.5 s, or
    at once while it is empty: walking the process table is the costly part. This keeps the sampler at
    about 1% of one core, which matters on a 2-core machine where it competes with the measured command.
    """

    def __init__(self, launcher_pid: int, timeout: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.timeout = launcher_pid, timeout
        self.peak_rss = self.peak_anon = 0
        self.timed_out = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        refreshed = -1.0
        tree: list[psutil.Process] = []
        try:
            launcher = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.wait(0.02 if time.monotonic() - started < 2 else 0.1):
            now = time.monotonic()
            if not tree or now - refreshed >= 0.5:
                try:
                    tree = launcher.children(recursive=True)  # the launcher itself is not measured
                except psutil.Error:
                    return
                refreshed = now
            totals = [_memory(process.pid) for process in tree]
            self.peak_rss = max(self.peak_rss, sum(rss for rss, _ in totals))
            self.peak_anon = max(self.peak_anon, sum(anon for _, anon in totals))
            if now - started > self.timeout:
                self.timed_out = True
                for process in reversed(tree):  # the launcher survives to report the killed child
                    with contextlib.suppress(psutil.Error):
                        process.kill()
                return

    def stop(self) -> None:
        self._stop_event.set()


# Runs the measured command and reports os.wait4's rusage. A separate lean interpreter (-S: no site, a few
# MB) because on Linux a child's ru_maxrss starts at its parent's RSS when it was spawned (the high-water
# mark of the vfork-shared memory is kept across exec): spawned from this script, which holds polars and
# numpy, even /bin/true would report about 100 MB.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
               "returncode": os.waitstatus_to_exitcode(status)}, out)
"""


def measure(command: list[str], timeout: float) -> Sample:
    """Run one child process to completion (through LAUNCHER) and measure it."""
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        report, stderr_path = Path(scratch) / "rusage.json", Path(scratch) / "stderr"
        with stderr_path.open("wb") as stderr:
            launcher = subprocess.Popen(
                [sys.executable, "-S", "-c", LAUNCHER, str(report), *map(str, command)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            sampler = _TreeSampler(launcher.pid, timeout)
            sampler.start()
            launcher.wait()
            sampler.stop()
            sampler.join()
        tail = stderr_path.read_bytes()[-2000:].decode("utf-8", "replace")
        if not report.exists():
            raise RuntimeError(f"the launcher failed (exit {launcher.returncode}) for {command}: {tail}")
        usage = json.loads(report.read_text())
    if sampler.timed_out:
        tail = f"killed after {timeout:.0f} s\n{tail}"
    return Sample(
        wall_s=usage["wall"],
        cpu_s=usage["cpu"],
        maxrss_mb=usage["maxrss_kb"] * 1024 / MB,  # kilobytes on Linux
        tree_rss_mb=sampler.peak_rss / MB,
        tree_anon_mb=sampler.peak_anon / MB,
        returncode=usage["returncode"],
        stderr_tail=tail,
    )


@dataclass
class Result:
    name: str
    command: list[str]
    input: str = ""
    input_mb: float = 0.0
    rows: int = 0
    free_text: bool | None = None
    samples: list[Sample] = field(default_factory=list)
    ok: bool = True
    error: str = ""

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(s, attribute) for s in self.samples)

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {k: v for k, v in asdict(self).items() if k != "samples"}
        summary["samples"] = [asdict(s) for s in self.samples]
        if self.ok and self.samples:
            wall = self.median("wall_s")
            summary.update(
                wall_s=round(wall, 3),
                cpu_s=round(self.median("cpu_s"), 3),
                rows_per_s=round(self.rows / wall) if self.rows else None,
                mb_per_s=round(self.input_mb / wall, 1) if self.input_mb else None,
                peak_rss_mb=round(max(s.maxrss_mb for s in self.samples), 1),
                peak_tree_rss_mb=round(max(s.tree_rss_mb for s in self.samples), 1),
                peak_tree_anon_mb=round(max(s.tree_anon_mb for s in self.samples), 1),
            )
        return summary


def run_command(
    name: str,
    command: list[str],
    repeats: int,
    timeout: float,
    ok_codes: set[int],
    path: Path | None = None,
    rows: int = 0,
    free_text: bool | None = None,
    out_dir: Path | None = None,
) -> Result:
    result = Result(name, [str(c) for c in command], free_text=free_text, rows=rows)
    if path is not None:
        result.input, result.input_mb = path.name, path.stat().st_size / MB
    for repeat in range(repeats):
        if out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)  # every run starts from an empty output folder
        sample = measure(command, timeout)
        result.samples.append(sample)
        print(
            f"  {name} [{repeat + 1}/{repeats}] {sample.wall_s:.2f} s, exit {sample.returncode}",
            file=sys.stderr,
        )
        if sample.returncode not in ok_codes:
            result.ok, result.error = False, f"exit {sample.returncode}: {sample.stderr_tail.strip()[-500:]}"
            break
    if out_dir is not None:
        shutil.rmtree(out_dir, ignore_errors=True)
    return result


def cli_available(screening: Path) -> str:
    """'' when ``screening scan --help`` and ``screening run --help`` work, else why not."""
    if not screening.exists():
        return f"{screening} does not exist"
    for command in ("scan", "run"):
        try:
            done = subprocess.run(
                [str(screening), command, "--help"], capture_output=True, text=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"`screening {command} --help` failed: {error}"
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return f"`screening {command} --help` exited {done.returncode}: {last[0]}"
    return ""


def compile_bytecode() -> list[str]:
    """Compile the project's modules to bytecode first, as ``pip install`` does for an installed package: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on the machines this is measured on) an editable install would
    otherwise compile every module again in every command, about 0.4 s of each scan. Returns the folders."""
    import compileall

    import cli
    import recognizers
    import screening

    roots = [Path(screening.__file__).parent, Path(recognizers.__file__).parent]
    for root in roots:
        compileall.compile_dir(root, quiet=1)
    compileall.compile_file(cli.__file__, quiet=1)
    return [str(r) for r in roots] + [cli.__file__]


def bench_cli(screening: Path, files: dict[str, dict[str, Path]], rows: int, args: argparse.Namespace) -> list[Result]:
    ok_codes = {int(c) for c in args.ok_codes.split(",")}
    out_dir = args.data_dir / "run-output"
    results = [run_command("startup (`scan --help`)", [screening, "scan", "--help"], args.repeats, args.timeout, {0})]
    for variant in ("text", "notext"):
        for fmt in ("csv", "parquet"):
            path = files[variant][fmt]
            text = variant == "text"
            scan = [screening, "scan", path, "--format", "json", "--output", os.devnull, "--quiet"]
            run = [screening, "run", path, "--out", out_dir, "--quiet"]
            for name, command, out in (("scan", scan, None), ("run", run, out_dir)):
                if name == "run" and text and args.skip_text_run:
                    continue
                repeats = args.text_run_repeats if name == "run" and text else args.repeats
                results.append(run_command(name, command, repeats, args.timeout, ok_codes, path, rows, text, out))
    return results


# ---------------------------------------------------------------------------------------------------------
# Presidio, cell by cell

# Python `re` dialect (Presidio's); (?<!...) keeps an ID inside a longer digit run from matching.
ID_CARD = (
    r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
)
PHONE = r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])"
BANK_CARD = r"(?<![0-9])62[0-9]{14,17}(?![0-9])"
USCC = r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Za-z])"
EMAIL = r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
OCTET = r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
IPV4 = rf"(?<![0-9.]){OCTET}(?:\.{OCTET}){{3}}(?![0-9.])"


YARDSTICK = """
import sys, time
import polars as pl
t = time.perf_counter()
pl.read_csv(sys.argv[1], infer_schema=False)
print(time.perf_counter() - t)
"""
YARDSTICK_NOTES_MB_S = 661
"""polars' ``read_csv`` (every column as text) on the machine of the performance notes that the pipeline issue's
figures (0.9 s, 1.5 s, 15 to 70 minutes of Presidio) come from: 0.39 s for a 258 MB CSV."""


def bench_yardstick(csv: Path, repeats: int) -> dict[str, Any]:
    """How fast this machine is now, on a fixed task of the same kind as a scan: polars reading the CSV with every
    column as text (its own two threads), in a fresh process each time; the median of ``repeats`` runs, as the notes
    took theirs (at least five: one run in a few takes twice as long here). Timings vary across a day, so the figures
    of one run are compared with another's through this."""
    samples = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", YARDSTICK, str(csv)], capture_output=True, text=True, check=True, env=os.environ
        )
        samples.append(float(done.stdout.strip()))
    seconds = statistics.median(samples)
    mb_per_s = csv.stat().st_size / MB / seconds
    return {
        "task": "polars read_csv of the CSV with free text, every column as text",
        "seconds": round(seconds, 3),
        "mb_per_s": round(mb_per_s),
        "notes_mb_per_s": YARDSTICK_NOTES_MB_S,
        "speed_vs_notes": round(mb_per_s / YARDSTICK_NOTES_MB_S, 2),
        "samples": [round(x, 3) for x in samples],
    }


def presidio_analyzer() -> tuple[Any, tempfile.TemporaryDirectory[str]]:
    """The working recipe from perf-notes: blank zh pipeline from disk, explicit registry, no downloads."""
    import spacy
    from presidio_analyzer import (
        AnalyzerEngine,
        BatchAnalyzerEngine,
        Pattern,
        PatternRecognizer,
        RecognizerRegistry,
    )
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from stdnum import luhn
    from stdnum.cn import ric, uscc

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    class Checked(PatternRecognizer):
        def __init__(self, entity: str, regex: str, check: Any = None) -> None:
            super().__init__(supported_entity=entity, supported_language="zh", patterns=[Pattern(entity, regex, 0.5)])
            self.check = check

        def validate_result(self, pattern_text: str) -> bool | None:  # True -> 1.0, False -> dropped
            return None if self.check is None else bool(self.check(pattern_text.upper()))

    model_dir = tempfile.TemporaryDirectory(prefix="blank-zh-")
    spacy.blank("zh").to_disk(model_dir.name)
    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "zh", "model_name": model_dir.name}],  # a path: spacy.load(), no download
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["zh"])  # explicit: no English-centric defaults
    for recognizer in (
        Checked("CN_ID_CARD", ID_CARD, lambda t: ric.calc_check_digit(t) == t[-1]),
        Checked("CN_PHONE", PHONE),
        Checked("CN_BANK_CARD", BANK_CARD, luhn.is_valid),
        Checked("CN_USCC", USCC, lambda t: uscc.calc_check_digit(t) == t[-1]),
        Checked("EMAIL_ADDRESS", EMAIL),
        Checked("IP_ADDRESS", IPV4),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["zh"])
    return BatchAnalyzerEngine(analyzer_engine=analyzer), model_dir


def bench_presidio(csv: Path, sample_rows: int, total_rows: int, repeats: int) -> dict[str, Any]:
    frame = pl.read_csv(csv, n_rows=sample_rows, infer_schema=False)
    columns = {name: frame[name].to_list() for name in frame.columns}
    cells = frame.height * frame.width
    started = time.perf_counter()
    batch, model_dir = presidio_analyzer()
    setup = time.perf_counter() - started
    timings, findings = [], {}
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            analysed = list(batch.analyze_dict(columns, language="zh"))
            timings.append(time.perf_counter() - started)
            findings = {  # column -> entity -> number of spans
                item.key: dict(Counter(r.entity_type for cell in item.recognizer_results for r in cell))
                for item in analysed
            }
            print(
                f"  presidio [{len(timings)}/{repeats}] {timings[-1]:.2f} s for {cells:,} cells",
                file=sys.stderr,
            )
    finally:
        model_dir.cleanup()
    seconds = statistics.median(timings)
    extrapolated = seconds * total_rows / frame.height
    return {
        "name": "Presidio BatchAnalyzerEngine.analyze_dict, per cell",
        "engine": "blank zh spaCy (char segmenter), 6 pattern recognizers with checksums",
        "input": csv.name,
        "input_mb": round(csv.stat().st_size / MB * frame.height / total_rows, 2),
        "sample_rows": frame.height,
        "columns": frame.width,
        "cells": cells,
        "setup_s": round(setup, 2),
        "timings_s": [round(t, 3) for t in timings],
        "sample_s": round(seconds, 3),
        "cells_per_s": round(cells / seconds),
        "rows": total_rows,
        "extrapolated_s": round(extrapolated, 1),
        "rows_per_s": round(total_rows / extrapolated),
        "mb_per_s": round(csv.stat().st_size / MB / extrapolated, 3),
        "findings_per_column": findings,
    }


# ---------------------------------------------------------------------------------------------------------
# Report


def _count(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.0f}"


def _rate(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _seconds(value: float) -> str:
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f} ({value / 60:.0f} min)"


def markdown(report: dict[str, Any]) -> str:
    info = report["dataset"]
    quick = "`--quick`, " if report["quick"] else ""
    lines = [
        f"Synthetic table ({quick}`screening.synthetic`, seed {info['seed']}): "
        f"{info['rows']:,} rows x {len(info['columns'])} columns, one free-text column (`{FREE_TEXT}`); "
        f"CSV {info['csv_mb']:.0f} MB, Parquet {info['parquet_mb']:.0f} MB "
        f"(without free text: {info['csv_notext_mb']:.0f} / {info['parquet_notext_mb']:.0f} MB). "
        f"{report['machine']['cpus']} CPUs, median of {report['repeats']} (`run` with free text: "
        f"{report.get('text_run_repeats', report['repeats'])}), warm page cache.",
        "",
        "| Command | Input | Free text | Wall s | Rows/s | MB/s | Peak RSS MB | Tree anon MB | CPU s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in report["cli"]:
        name = f"`screening {result['name']}`" if result["input"] else result["name"]
        fmt = Path(result["input"]).suffix.lstrip(".").replace("csv", "CSV").replace("parquet", "Parquet")
        text = "" if result["free_text"] is None else ("yes" if result["free_text"] else "no")
        if not result["ok"]:
            lines.append(f"| {name} | {fmt} | {text} | failed: {result['error'][:80]} | | | | | |")
            continue
        rows = _count(result["rows_per_s"]) if result["rows_per_s"] is not None else ""
        speed = _rate(result["mb_per_s"]) if result["mb_per_s"] is not None else ""
        lines.append(
            f"| {name} | {fmt} | {text} | {_seconds(result['wall_s'])} | {rows} | {speed} | "
            f"{result['peak_rss_mb']:.0f} | {result['peak_tree_anon_mb']:.0f} | {result['cpu_s']:.2f} |"
        )
    if report.get("text_run_skipped"):
        lines.append("| `screening run` | | yes | not measured: `--skip-text-run` | | | | | |")
    if report["cli_skipped"]:
        lines.append(f"| `screening scan` / `run` | | | not measured: {report['cli_skipped']} | | | | | |")
    yardstick = report.get("yardstick")
    if yardstick:
        lines.append(
            f"| yardstick: polars `read_csv`, every column as text | CSV | yes | {yardstick['seconds']:.2f} | | "
            f"{yardstick['mb_per_s']:,} | | | |"
        )
    presidio = report.get("presidio")
    if presidio:
        lines.append(
            f"| Presidio `BatchAnalyzerEngine`, per cell ({presidio['sample_rows']:,}-row sample, "
            f"extrapolated) | CSV | yes | {_seconds(presidio['extrapolated_s'])} | "
            f"{_count(presidio['rows_per_s'])} | {_rate(presidio['mb_per_s'])} | | | |"
        )
    lines.append("")
    chars = info.get("free_text_chars") or 0
    for result in report["cli"]:
        if result["name"] == "run" and result["free_text"] and result["ok"] and chars:
            lines.append(
                f"Free text, `run` on {Path(result['input']).suffix.lstrip('.')}: {chars:,} characters of "
                f"`{FREE_TEXT}` in {result['wall_s']:.0f} s = {chars / result['wall_s']:,.0f} characters/s "
                "(the whole run's time counted against the free text)."
            )
    lines.append(
        "Peak RSS: `ru_maxrss` of the child (`os.wait4`). Tree anon: peak anonymous memory of the child and "
        "its subprocesses, sampled every 20-100 ms (excludes memory-mapped input)."
    )
    if yardstick:
        lines.append(
            f"Yardstick: polars reads the CSV at {yardstick['mb_per_s']:,} MB/s, {yardstick['speed_vs_notes']:.2f} "
            f"times the {yardstick['notes_mb_per_s']} MB/s of the performance notes the pipeline issue's figures "
            "come from (this machine's speed at the time of the run)."
        )
    if presidio:
        lines.append(
            f"Presidio: {presidio['cells']:,} cells in {presidio['sample_s']:.1f} s = "
            f"{presidio['cells_per_s']:,} cells/s (blank `zh` spaCy, 6 pattern recognizers with checksums, "
            f"explicit registry; setup {presidio['setup_s']:.1f} s not counted), "
            f"times {presidio['rows'] / presidio['sample_rows']:,.0f}."
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import pyarrow

    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "pyarrow": pyarrow.__version__,
        "presidio_analyzer": version("presidio-analyzer"),
        "spacy": version("spacy"),
        "commit": commit or None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the synthetic table")
    parser.add_argument("--quick", action="store_true", help="smoke run: 100,000 rows, 1 repeat, small sample")
    parser.add_argument("--repeats", type=int, default=3, help="runs per command; the median is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--presidio-rows", type=int, default=2_000, help="rows of the Presidio sample")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument(
        "--skip-text-run", action="store_true", help="skip `run` on the tables with free text (minutes each)"
    )
    parser.add_argument(
        "--text-run-repeats", type=int, default=1, help="runs of `run` on the tables with free text (minutes each)"
    )
    parser.add_argument("--ok-codes", default="0,1", help="exit codes that count as success (1 = findings)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a child is killed")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--screening", type=Path, default=Path(sys.executable).parent / "screening")
    parser.add_argument("--json", type=Path, help="results file (default benchmarks/results.json)")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats, args.presidio_rows = 100_000, 1, min(args.presidio_rows, 500)
        args.text_run_repeats = 1
    json_path = args.json or (args.data_dir / "results-quick.json" if args.quick else HERE / "results.json")

    files = data_files(args.data_dir, args.rows, args.seed)
    report: dict[str, Any] = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "repeats": args.repeats,
        "text_run_repeats": args.text_run_repeats,
        "machine": machine(),
        "dataset": {
            "rows": args.rows,
            "seed": args.seed,
            "columns": list(synthetic.DEFAULT_COLUMNS),
            "csv_mb": files["text"]["csv"].stat().st_size / MB,
            "parquet_mb": files["text"]["parquet"].stat().st_size / MB,
            "csv_notext_mb": files["notext"]["csv"].stat().st_size / MB,
            "parquet_notext_mb": files["notext"]["parquet"].stat().st_size / MB,
            "free_text_chars": int(
                pl.scan_parquet(files["text"]["parquet"])
                .select(pl.col(FREE_TEXT).str.len_chars().sum())
                .collect()
                .item()
                or 0
            ),
        },
        "cli": [],
        "cli_skipped": "",
        "text_run_skipped": args.skip_text_run,
    }
    report["yardstick"] = bench_yardstick(files["text"]["csv"], max(args.repeats, 5))
    if args.skip_cli:
        report["cli_skipped"] = "--skip-cli"
    elif why := cli_available(args.screening):
        report["cli_skipped"] = why
        print(f"skipping the CLI: {why}", file=sys.stderr)
    else:
        report["bytecode_compiled"] = compile_bytecode()
        report["cli"] = [r.summary() for r in bench_cli(args.screening, files, args.rows, args)]
    if not args.skip_presidio:
        presidio_repeats = min(args.repeats, 3)
        report["presidio"] = bench_presidio(files["text"]["csv"], args.presidio_rows, args.rows, presidio_repeats)

    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"\nresults: {json_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
