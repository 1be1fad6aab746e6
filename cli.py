"""The `screening` command: parses options, calls the library, renders, maps errors to exit codes.

Exit codes: 0 nothing at or above --fail-on (and, for run, a clean verification); 1 something at or
above it, or raw values left after desensitisation; 2 unusable input, configuration or usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from screening.pipeline import Options

# Columns are already screened on two threads; BLAS threads on top only contend for the same cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

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
Rules = Annotated[str, typer.Option("--rules", help="Rule pack: a built-in name (default) or a YAML file.")]
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


def _guard(debug: bool, func: Any) -> int:
    """Run ``func``; unusable input or configuration becomes one line on stderr and exit code 2."""
    from screening.errors import ScreeningError

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
    except Exception as err:  # a bug or an input we did not foresee: still one line, never a traceback
        if debug:
            raise
        raise _fail(f"unexpected {err.__class__.__name__}; run again with --debug for details") from None


@app.command()
def scan(
    paths: PathsArg,
    format: Annotated[str, typer.Option("--format", "-f", help="Report format: json or md.")] = "json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report here (a folder when several files).")
    ] = None,
    fail_on: FailOn = None,
    rules: Rules = "default",
    encoding: Encoding = None,
    batch_rows: BatchRows = 100_000,
    ner_sample: NerSample = 1000,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Detect and classify: one report per file, no data written."""
    if format not in ("json", "md"):
        raise _fail(f"--format {format}: choose json or md")

    def work() -> int:
        from screening import io
        from screening.pipeline import expand_paths, scan_file
        from screening.report import to_json, to_markdown

        opts = _options(rules, encoding, fail_on, batch_rows, ner_sample, quiet)
        files = expand_paths(paths)
        reports, errors = [], []
        from screening.errors import InputError

        for path, _root in files:
            try:
                reports.append(scan_file(path, opts))
            except InputError as err:
                if len(files) == 1:
                    raise
                errors.append(err)
                typer.echo(f"screening: error: {err}", err=True)
        render = to_json if format == "json" else to_markdown
        many = len(files) > 1
        if output is not None and many:
            output.mkdir(parents=True, exist_ok=True)
            for rep in reports:
                target = output / (
                    Path(rep["dataset"]["path"]).name + (".report.json" if format == "json" else ".report.md")
                )
                _write_text(target, render(rep), io)
        elif output is not None:
            _write_text(output, render(reports[0]), io)
        elif format == "json":
            typer.echo(to_json(reports if many else reports[0]), nl=False)
        else:
            typer.echo("\n".join(to_markdown(r) for r in reports), nl=False)
        if errors:
            return 2
        return 1 if any(r["summary"]["failed"] for r in reports) else 0

    raise typer.Exit(_guard(debug, work))


def _write_text(path: Path, text: str, io: Any) -> None:
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    if str(path) in ("/dev/null", "/dev/stdout", "/dev/stderr"):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    with io.atomic_output(path) as tmp:
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
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Scan, desensitise every row, write data + JSON and Markdown reports to --out, verify the output."""
    if sample_mode not in ("head", "random"):
        raise _fail(f"--sample-mode {sample_mode}: choose head or random")
    if output_format not in (None, "csv", "parquet"):
        raise _fail(f"--output-format {output_format}: choose csv or parquet")

    def work() -> int:
        from screening import io
        from screening.operators import load_key
        from screening.pipeline import expand_paths, run_file
        from screening.report import to_json, to_markdown

        overrides: dict[str, str] = {}
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
        files = expand_paths(paths)
        if overrides:  # a misspelt column must not silently leave data unprotected or over-redacted
            seen = {c for path, _ in files for c in io.open_source(path, encoding=encoding).columns}
            unknown = sorted(set(overrides) - seen)
            if unknown:
                raise _fail(f"--action/--keep name no column of the input: {', '.join(unknown)}")
        failed = False
        for path, root in files:
            report, stem = run_file(path, root, out, opts)
            _write_text(stem.with_name(stem.name + ".json"), to_json(report), io)
            _write_text(stem.with_name(stem.name + ".md"), to_markdown(report), io)
            failed |= report["summary"]["failed"] or not report["residual"]["clean"]
            if not quiet:
                typer.echo(
                    f"{path} -> {report['output']['path']} ({report['summary']['verdict']}, "
                    f"max level {report['summary']['max_level']}, verification "
                    f"{'clean' if report['residual']['clean'] else 'RAW VALUES LEFT'})",
                    err=True,
                )
        return 1 if failed else 0

    raise typer.Exit(_guard(debug, work))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
