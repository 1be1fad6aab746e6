"""The `screening` command: parses options, calls the library, renders, maps errors to exit codes.

Exit codes: 0 nothing at or above --fail-on (and, for run, a clean verification); 1 something at or
above it, or raw values left after desensitisation; 2 unusable input, configuration or usage.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from screening.pipeline import Options

# Columns are already screened on two threads; BLAS threads on top only contend for the same cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# The same for polars' own pool: the two column threads, the reader and Arrow's threads already fill two cores, and
# a second polars thread only adds switches (1M rows, five runs each, alternating on 2026-12-08: `scan` with free
# text 2.80 -> 2.66 s, 4.83 -> 4.67 CPU-s; `run` without it 4.64 -> 4.40 s; the same reports). Set before polars
# is imported; a value the user set wins.
os.environ.setdefault("POLARS_MAX_THREADS", "1")
# Every batch allocates and frees column buffers of the same sizes: Arrow's jemalloc pool gives fewer page faults
# than its default (mimalloc) here.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

app = typer.Typer(
    name="screening",
    help="Screen datasets before data intellectual-property registration: find personal and sensitive "
    "information, classify and grade every column, desensitise, and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

PathsArg = Annotated[
    list[Path], typer.Argument(help="CSV or Parquet files, or folders to screen every .csv/.parquet below.")
]
FailOn = Annotated[int | None, typer.Option("--fail-on", min=1, help="Exit 1 when a column reaches this level.")]
Rules = Annotated[
    str,
    typer.Option(
        "--rules", help="Rule pack: a built-in name (default, finance) or a YAML file (with `extends:`, layered on it)."
    ),
]
Encoding = Annotated[
    str | None, typer.Option("--encoding", help="CSV encoding (utf-8, gbk, gb18030); sniffed when omitted.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
BatchRows = Annotated[int, typer.Option("--batch-rows", min=1000, help="Rows per streamed batch (bounds memory).")]
NerSample = Annotated[
    int,
    typer.Option("--ner-sample", min=0, help="Free text: cells the name/place/organisation model sees during scan."),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", help="Accepted findings (screening baseline create): exit 1 only for new ones."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"screening: error: {message}", err=True)
    return typer.Exit(code)


def _progress(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    def start(label: str, total: int) -> Any:
        bar = Progress(
            TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(), transient=True, console=None
        )
        bar.start()
        task = bar.add_task(label, total=total or None)

        def advance(done: int) -> None:
            bar.update(task, completed=done)
            if total and done >= total:
                bar.stop()

        return advance

    return start


def _options(
    rules: str, encoding: str | None, fail_on: int | None, batch_rows: int, ner_sample: int, quiet: bool, **extra: Any
) -> Options:
    from screening.pipeline import Options
    from screening.rules import load_pack

    pack = load_pack(rules)
    if fail_on is not None and fail_on not in pack.levels:
        raise _fail(f"--fail-on {fail_on}: the pack's levels are {min(pack.levels)}..{max(pack.levels)}")
    return Options(
        pack=pack,
        encoding=encoding,
        fail_on=fail_on,
        batch_rows=batch_rows,
        ner_sample=ner_sample,
        progress=_progress(quiet),
        **extra,
    )


def _check_folder(path: Path, flag: str) -> None:
    """Fail before any work when an output folder's name is taken by a file."""
    if path.exists() and not path.is_dir():
        raise _fail(f"{flag} {path}: is a file; give a folder (it is created if missing)")


def _guard(debug: bool, func: Any) -> int:
    """Run ``func``; unusable input or configuration becomes one line on stderr and exit code 2."""
    from screening.errors import ScreeningError

    _INPUTS.clear()  # one command per process, but the tests run many
    try:
        return int(func())
    except typer.Exit:
        raise
    except ScreeningError as err:
        if debug:
            raise
        raise _fail(str(err)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except OSError as err:  # the file system said no: name the file and why
        if debug:
            raise
        where = f"{err.filename}: " if err.filename else ""
        raise _fail(f"{where}{err.strerror or err.__class__.__name__}") from None
    except Exception as err:  # a bug or an input we did not foresee: still one line, never a traceback
        if debug:
            raise
        raise _fail(f"unexpected {err.__class__.__name__}; run again with --debug for details") from None


@app.command()
def scan(
    paths: PathsArg,
    format: Annotated[
        str, typer.Option("--format", "-f", help="Report format: json, md, html, sarif or junit.")
    ] = "json",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report here (a folder when several files: reports + index.json/.html)."
        ),
    ] = None,
    fail_on: FailOn = None,
    rules: Rules = "default",
    encoding: Encoding = None,
    batch_rows: BatchRows = 100_000,
    ner_sample: NerSample = 1000,
    baseline: BaselineOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Files scanned at a time, in processes.")] = 2,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Detect and classify: one report per file, no data written; a folder of reports gets an index."""
    from screening.render import FORMATS

    if format not in FORMATS:
        raise _fail(f"--format {format}: choose {', '.join(FORMATS)}")

    def work() -> int:
        from screening import io
        from screening.baseline import gate
        from screening.batch import scan_many
        from screening.pipeline import expand_paths, scan_file
        from screening.render import render

        opts = _options(rules, encoding, fail_on, batch_rows, ner_sample, quiet)
        accepted = _accepted(baseline)
        files = expand_paths(paths)
        _reading(p for p, _ in files)
        many = len(files) > 1
        if many and output is None and format == "html":
            raise _fail("--format html with several files: give --output FOLDER (one page per file + index.html)")
        # a folder argument (even of one file), several files or an existing folder: reports + index in --output
        folder = many or any(Path(p).is_dir() for p in paths) or (output is not None and output.is_dir())
        if output is not None and folder:
            _check_folder(output, "--output")
        elif output is not None:
            _not_an_input(output, "--output")
        outcomes: list[tuple[Path, dict[str, Any] | None, str | None]] = []
        if not many:
            outcomes.append((files[0][0], scan_file(files[0][0], opts), None))  # an unreadable file: exit 2
        else:
            for path, rep, err in scan_many([p for p, _ in files], opts, jobs):
                if err is not None:
                    typer.echo(f"screening: error: {err}", err=True)
                outcomes.append((path, rep, err))
        reports = [rep for _, rep, _ in outcomes if rep is not None]
        if output is not None and folder:
            _write_folder(output, dict(files), outcomes, format, accepted, fail_on, io)
        elif output is not None:
            _write_text(output, render(reports, format, accepted, fail_on), io)
        else:
            typer.echo(render(reports, format, accepted, fail_on), nl=False)
        if len(reports) < len(outcomes):
            return 2
        return 1 if any(gate(r, fail_on, accepted)["failed"] for r in reports) else 0

    raise typer.Exit(_guard(debug, work))


_INPUTS: list[Path] = []
"""The files the running command reads: nothing it writes ever replaces one of them."""


def _reading(paths: Any) -> None:
    _INPUTS.extend(Path(p) for p in paths)


def _not_an_input(path: Path, flag: str) -> None:
    """Fail before any work when an output path names one of the inputs."""
    for q in _INPUTS:
        with contextlib.suppress(OSError):
            if path.exists() and os.path.samefile(path, q):
                raise _fail(f"{flag} {path}: is an input file; choose another path")


def _write_text(path: Path, text: str, io: Any) -> None:
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    if str(path) in ("/dev/null", "/dev/stdout", "/dev/stderr"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    with io.atomic_output(path, protect=_INPUTS) as tmp:
        tmp.write_text(text, encoding="utf-8")


@app.command()
def run(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the desensitised data and the reports.")],
    output_format: Annotated[
        str | None, typer.Option("--output-format", help="csv or parquet (default: as input).")
    ] = None,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="Per-column operator, e.g. 手机号=redact.")
    ] = None,
    keep: Annotated[list[str] | None, typer.Option("--keep", help="Leave this column as it is.")] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="YAML file of per-column operators and parameters (--action/--keep win)."),
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="Key for pseudonymize (else SCREENING_KEY).")
    ] = None,
    fail_on: FailOn = None,
    rules: Rules = "default",
    encoding: Encoding = None,
    batch_rows: BatchRows = 100_000,
    ner_sample: NerSample = 1000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes for free-text columns.")] = 2,
    qi: Annotated[
        list[str] | None, typer.Option("--qi", help="Quasi-identifier column (repeat; others are inferred).")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=2, help="k-anonymity threshold.")] = 5,
    sensitive_attr: Annotated[
        str | None, typer.Option("--sensitive-attr", help="Column whose l-diversity is reported.")
    ] = None,
    sample: Annotated[int, typer.Option("--sample", min=0, help="Rows of a separate desensitised sample.")] = 0,
    sample_mode: Annotated[str, typer.Option("--sample-mode", help="head or random (seeded).")] = "head",
    seed: Annotated[int, typer.Option("--seed", help="Seed of --sample-mode random.")] = 0,
    # --- reports and CI
    report_format: Annotated[
        list[str] | None,
        typer.Option("--report-format", help="Also write the report as html, sarif or junit (repeat)."),
    ] = None,
    baseline: BaselineOpt = None,
    manifest: Annotated[
        bool, typer.Option("--manifest", help="Also write NAME.manifest.json: digests of every input and output.")
    ] = False,
    name: Annotated[str | None, typer.Option("--name", help="数据名称 for the registration prefill.")] = None,
    # ---
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Scan, desensitise every row, write data + JSON and Markdown reports to --out, verify the output."""
    for fmt in report_format or []:
        if fmt not in ("html", "sarif", "junit"):
            raise _fail(f"--report-format {fmt}: choose html, sarif or junit")
    if sample_mode not in ("head", "random"):
        raise _fail(f"--sample-mode {sample_mode}: choose head or random")
    if output_format not in (None, "csv", "parquet"):
        raise _fail(f"--output-format {output_format}: choose csv or parquet")

    def work() -> int:
        from screening import io
        from screening.baseline import gate
        from screening.operators import load_key
        from screening.pipeline import after_run, expand_paths, run_file, write_manifest
        from screening.policy import Override, load_policy_file
        from screening.report import to_json, to_markdown

        overrides: dict[str, Override] = dict(load_policy_file(policy)) if policy is not None else {}
        for item in action or []:
            col, sep, op = item.rpartition("=")
            if not sep or not col:
                raise _fail(f"--action {item!r}: expected COLUMN=OPERATOR")
            overrides[col] = op
        for col in keep or []:
            overrides[col] = "keep"
        opts = _options(
            rules,
            encoding,
            fail_on,
            batch_rows,
            ner_sample,
            quiet,
            overrides=overrides,
            key=load_key(key_file),
            output_format=output_format,
            workers=workers,
            qi=tuple(qi or ()),
            k=k,
            sensitive_attr=sensitive_attr,
            sample=sample,
            sample_mode=sample_mode,
            seed=seed,
        )
        from screening.errors import InputError, OutputError

        files = expand_paths(paths)
        _reading(p for p, _ in files)
        _check_folder(out, "--out")
        # With several inputs, one that cannot be read or written is reported and the others are still done, as by
        # scan; the exit code is then 2. With one input its error is the command's.
        many = len(files) > 1
        if overrides:  # a misspelt column must not silently leave data unprotected or over-redacted
            seen: set[str] = set()
            for path, _ in files:
                try:
                    seen.update(io.open_source(path, encoding=encoding).columns)
                except InputError:
                    if not many:
                        raise  # (several: reported with the file below)
            unknown = sorted(set(overrides) - seen)
            if unknown:
                raise _fail(f"--action/--keep/--policy name no column of the input: {', '.join(unknown)}")
        failed = False
        errors = 0
        accepted = _accepted(baseline)  # reports and CI
        for path, root in files:
            try:
                report, stem = run_file(path, root, out, opts)
            except (InputError, OutputError) as err:
                if not many:
                    raise
                typer.echo(f"screening: error: {err}", err=True)
                errors += 1
                continue
            after_run(report, name)  # reports and CI: the registration prefill's name
            written = [stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".md")]
            _write_text(written[0], to_json(report), io)
            _write_text(written[1], to_markdown(report), io)
            written += _write_extra_reports(report, stem, report_format or [], accepted, fail_on, io)
            if manifest:
                write_manifest(report, written, stem.with_suffix(".manifest.json"))
            failed |= gate(report, fail_on, accepted)["failed"]
            if not quiet:
                typer.echo(
                    f"{path} -> {report['output']['path']} ({report['summary']['verdict']}, "
                    f"max level {report['summary']['max_level']}, verification "
                    f"{'clean' if report['residual']['clean'] else 'RAW VALUES LEFT'})",
                    err=True,
                )
        if errors:
            return 2
        return 1 if failed else 0

    raise typer.Exit(_guard(debug, work))


# ----------------------------------------------------------------------------------------- reveal
@app.command()
def reveal(
    path: Annotated[Path, typer.Argument(help="A file written by `screening run` (its report lies beside it).")],
    out: Annotated[Path, typer.Option("--out", help="The decrypted file (CSV or Parquet after its suffix).")],
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="The key the file was encrypted with (else SCREENING_KEY).")
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="Comma-separated columns to decrypt (default: the report's encrypt columns)."),
    ] = None,
    encoding: Encoding = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Decrypt the columns `run` desensitised with encrypt, with the same key; written atomically to --out."""

    def work() -> int:
        from screening.errors import ConfigError
        from screening.fpe import reveal_file
        from screening.operators import load_key

        key = load_key(key_file)
        if key is None:
            raise ConfigError(None, "reveal needs the key: set SCREENING_KEY or pass --key-file")
        names = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
        result = reveal_file(path, out, key, names, encoding=encoding)
        if not quiet:
            typer.echo(f"{path} -> {result['path']} ({result['rows']} rows, {', '.join(result['columns'])})", err=True)
        return 0

    raise typer.Exit(_guard(debug, work))


# ------------------------------------------------------------------------------------------ rules
rules_app = typer.Typer(help="List, show and validate rule packs.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

PackArg = Annotated[str, typer.Argument(help="A built-in pack name (default, finance) or a YAML file.")]


@rules_app.command("list")
def rules_list(
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """The built-in rule packs: name, version, levels and title."""
    if format not in ("text", "json"):
        raise _fail(f"--format {format}: choose text or json")
    from screening.rules import builtin_packs, load_pack

    packs = [load_pack(name) for name in builtin_packs()]
    rows = [
        {"name": p.name, "version": p.version, "levels": f"1..{p.max_level}", "title": p.title, "sha256": p.sha256}
        for p in packs
    ]
    if format == "json":
        import json

        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['name']:<10} {row['version']:<8} levels {row['levels']}  {row['title']}")


@rules_app.command("show")
def rules_show(
    pack: PackArg,
    format: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    debug: Debug = False,
) -> None:
    """One pack (with the packs it extends): levels, classes, every entity's rule and basis, policy, header words."""
    if format not in ("md", "json"):
        raise _fail(f"--format {format}: choose md or json")

    def work() -> int:
        from screening.rules import describe, load_pack

        data = describe(load_pack(pack))
        if format == "json":
            import json

            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            typer.echo(_pack_markdown(data), nl=False)
        return 0

    raise typer.Exit(_guard(debug, work))


@rules_app.command("validate")
def rules_validate(pack: PackArg) -> None:
    """Check a pack (and the packs it extends): exit 0 when valid, else 2 with every FILE:LINE: problem."""
    from screening.errors import ConfigError
    from screening.rules import load_pack

    try:
        loaded = load_pack(pack)
    except ConfigError as err:
        for line in getattr(err, "problems", None) or [str(err)]:
            typer.echo(line, err=True)
        raise typer.Exit(2) from None
    extends = ""
    if len(loaded.layers) > 1:
        extends = "; extends " + " <- ".join(f"{layer.name} {layer.version}" for layer in loaded.layers[:-1])
    typer.echo(f"{pack}: valid ({len(loaded.entities)} entities, levels 1..{loaded.max_level}{extends})")


def _pack_markdown(d: dict[str, Any]) -> str:
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = [f"# Rule pack {d['name']} {d['version']}", ""]
    if d["title"]:
        lines += [d["title"], ""]
    lines.append(f"- Source: {d['source']} (sha256 `{d['sha256']}`)")
    if len(d["layers"]) > 1:
        lines.append(
            "- Layers, base first: " + " → ".join(f"{x['name']} {x['version']} ({x['source']})" for x in d["layers"])
        )
    lines.append("- Levels: " + "; ".join(f"{k} {v}" for k, v in d["levels"].items()))
    for name, c in d["classes"].items():
        lines.append(f"- Class {name} {c['label']} → level {c['level']} ({c['basis']})")
    has_class = bool(d["classes"])
    head = ["Entity", "Rule", "Category", *(["Class"] if has_class else []), "Level", "Sensitive", "Basis"]
    lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for entity, r in [*d["entities"].items(), ("(unidentified)", d["unidentified"])]:
        row = [entity, r["rule"], r["category"], *([r["class"] or "—"] if has_class else []), r["level"]]
        row += ["yes" if r["sensitive"] else "no", r["basis"]]
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    policy = d["policy"]
    lines += ["", "## Policy", "", "| Applies to | Action |", "|---|---|"]
    for key, action in [*(("level " + k, a) for k, a in policy["levels"].items()), *policy["entities"].items()]:
        act = action["operator"] + "".join(f" {k}={v}" for k, v in action.items() if k != "operator")
        lines.append(f"| {cell(key)} | {cell(act)} |")
    if d["headers"]:
        lines += ["", "## Extra header words", ""]
        lines += [f"- {entity}: {', '.join(words)}" for entity, words in d["headers"].items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ reports and CI
def _accepted(path: Path | None) -> Any:
    from screening.baseline import load

    if path is None:
        return None
    _reading([path])
    return load(path)


def _write_extra_reports(
    report: dict[str, Any], stem: Path, formats: list[str], accepted: Any, fail_on: int | None, io: Any
) -> list[Path]:
    """``run --report-format``: NAME.report.html, NAME.sarif, NAME.junit.xml beside the JSON report."""
    from screening.render import render

    names = {"html": stem.name + ".html", "sarif": stem.stem + ".sarif", "junit": stem.stem + ".junit.xml"}
    written = []
    for fmt in dict.fromkeys(formats):
        target = stem.with_name(names[fmt])
        _write_text(target, render([report], fmt, accepted, fail_on), io)
        written.append(target)
    return written


def _write_folder(
    out: Path,
    roots: dict[Path, Path],
    outcomes: list[tuple[Path, dict[str, Any] | None, str | None]],
    fmt: str,
    accepted: Any,
    fail_on: int | None,
    io: Any,
) -> None:
    """``scan FOLDER --output OUT``: a report per file (sub-folders kept), index.json and index.html; SARIF and
    JUnit as one file for all (``screening.sarif``, ``screening.junit.xml``) beside per-file JSON reports."""
    from screening.baseline import gate
    from screening.render import SUFFIX, render
    from screening.render.html import index_html
    from screening.render.index import build_index, error_entry, file_entry
    from screening.render.index import to_json as index_json

    out.mkdir(parents=True, exist_ok=True)
    per_file = fmt if fmt in ("json", "md", "html") else "json"
    entries, used, reports = [], set(), []
    for path, rep, err in outcomes:
        root = roots.get(path, path.parent)
        rel = (path.relative_to(root) if path.is_relative_to(root) else Path(path.name)).as_posix()
        base, n = rel, 1
        while base in used:  # the same name under two folders given on the command line
            n += 1
            base = f"{rel}~{n}"
        used.add(base)
        if rep is None:
            entries.append(error_entry(str(path), err or "unreadable"))
            continue
        reports.append(rep)
        link, json_link = base + SUFFIX[per_file], base + SUFFIX["json"]
        (out / link).parent.mkdir(parents=True, exist_ok=True)
        _write_text(out / link, render([rep], per_file), io)
        if per_file != "json":
            _write_text(out / json_link, render([rep], "json"), io)
        g = gate(rep, fail_on, accepted)
        new = len(g["findings"]) if accepted is not None else None
        entries.append(file_entry(rep, link, json_link, g["failed"], new))
    if fmt in ("sarif", "junit"):
        name = "screening.sarif" if fmt == "sarif" else "screening.junit.xml"
        _write_text(out / name, render(reports, fmt, accepted, fail_on), io)
    index = build_index(entries, reports[0]["rules"] if reports else None, fail_on, accepted is not None)
    _write_text(out / "index.json", index_json(index), io)
    _write_text(out / "index.html", index_html(index), io)


@app.command("report")
def report_command(
    reports: Annotated[list[Path], typer.Argument(help="Report JSON files written by scan or run.")],
    format: Annotated[str, typer.Option("--format", "-f", help="html, md, sarif, junit or json.")] = "html",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here; a folder (existing, or for several html or md pages) gets one page per report.",
        ),
    ] = None,
    fail_on: FailOn = None,
    baseline: BaselineOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="数据名称 for the registration prefill.")] = None,
    debug: Debug = False,
) -> None:
    """Render saved JSON reports again in any format; exit 1 when --fail-on or --baseline says so."""
    from screening.render import FORMATS

    if format not in FORMATS:
        raise _fail(f"--format {format}: choose {', '.join(FORMATS)}")

    def work() -> int:
        from screening import io
        from screening.baseline import gate
        from screening.registration import prefill
        from screening.render import SUFFIX, render

        _reading(reports)
        loaded = _load_reports(reports)
        if output is not None and not output.is_dir():
            _not_an_input(output, "--output")
        if name:
            for rep in loaded:
                reg = rep.get("registration") or prefill(rep)
                rep["registration"] = {**reg, "name": name, "name_source": "option"}
        accepted = _accepted(baseline)
        # one page per report: several html or md reports, or any number into an existing folder
        paged = (format in ("html", "md") and len(loaded) > 1) or (output is not None and output.is_dir())
        if paged and output is None:
            raise _fail(f"--format {format} with several reports: give --output FOLDER")
        if paged:
            assert output is not None
            output.mkdir(parents=True, exist_ok=True)
            for src, rep in zip(_report_sources(reports), loaded, strict=True):
                stem = src.name.removesuffix(".json").removesuffix(".report")
                _write_text(output / (stem + SUFFIX[format]), render([rep], format, accepted, fail_on), io)
        elif output is not None:
            _write_text(output, render(loaded, format, accepted, fail_on), io)
        else:
            typer.echo(render(loaded, format, accepted, fail_on), nl=False)
        failing = [gate(r, fail_on if fail_on is not None else r["summary"].get("fail_on"), accepted) for r in loaded]
        return 1 if any(g["failed"] for g in failing) else 0

    raise typer.Exit(_guard(debug, work))


def _report_sources(paths: list[Path]) -> list[Path]:
    """One source path per loaded report (a JSON array of several reports repeats its file)."""
    import json

    out = []
    for p in paths:
        data = json.loads(p.read_text(encoding="utf-8"))
        out += [p] * (len(data) if isinstance(data, list) else 1)
    return out


def _load_reports(paths: list[Path]) -> list[dict[str, Any]]:
    """Reports from JSON files (an object, or the array ``scan`` prints for several files)."""
    import json

    from screening.errors import InputError

    loaded: list[dict[str, Any]] = []
    for p in paths:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(p, "file not found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(p, f"not a JSON report ({e.__class__.__name__})") from None
        items = data if isinstance(data, list) else [data]
        for item in items:
            if not isinstance(item, dict) or not {"dataset", "columns", "summary", "rules"} <= set(item):
                raise InputError(p, "not a screening report: needs dataset, columns, summary and rules")
            loaded.append(item)
    if not loaded:
        raise InputError(paths[0] if paths else None, "no report in the input")
    return loaded


baseline_app = typer.Typer(help="Accepted findings: a later scan or run fails only on new ones.", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("create")
def baseline_create(
    reports: Annotated[list[Path], typer.Argument(help="Report JSON files whose findings are accepted.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The baseline file to write.")],
    debug: Debug = False,
) -> None:
    """Accept every finding of the reports: (file name, column, entity, level), sorted, no time stamp."""

    def work() -> int:
        from screening import io
        from screening.baseline import create, to_json

        _reading(reports)
        _not_an_input(output, "--output")
        data = create(_load_reports(reports))
        _write_text(output, to_json(data), io)
        typer.echo(f"{output}: {len(data['findings'])} accepted findings", err=True)
        return 0

    raise typer.Exit(_guard(debug, work))


manifest_app = typer.Typer(help="Evidence manifests written by `run --manifest`.", no_args_is_help=True)
app.add_typer(manifest_app, name="manifest")


@manifest_app.command("verify")
def manifest_verify(
    manifest: Annotated[Path, typer.Argument(help="A NAME.manifest.json; paths in it are relative to its folder.")],
    debug: Debug = False,
) -> None:
    """Recompute every file's SHA-256, SM3 and Merkle root: exit 0 when all match, 1 naming each difference."""

    def work() -> int:
        import json

        from screening.errors import InputError
        from screening.manifest import verify

        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(manifest, f"not a readable manifest ({e.__class__.__name__})") from None
        problems = verify(data, manifest.parent)
        for line in problems:
            typer.echo(line, err=True)
        n = len(data.get("files", [])) + len(data.get("reports", []))
        typer.echo(f"{manifest}: {n - len({p.split(':')[0] for p in problems})} of {n} files match", err=True)
        return 1 if problems else 0

    raise typer.Exit(_guard(debug, work))


def main() -> None:
    """The console script: the command, then a quick exit.

    Once a command has returned, every file it wrote is closed: the exit handlers run (logging, multiprocessing,
    temporary folders), the streams are flushed, and the process ends without the interpreter's teardown, which
    frees every object of polars, pyarrow, numpy and spaCy one by one (0.1 to 0.3 s, a tenth of a small scan)."""
    import atexit

    try:
        app()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, exit status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
