"""Evidence manifest of a run: digests of every input and output file, so that anyone can check them later.

Per file: its role (``input``, ``output``, ``sample``, ``report``), path (relative to the manifest's folder),
size, SHA-256, SM3 (GB/T 32905-2016, from OpenSSL through ``hashlib``; the string ``unavailable`` where this
Python's OpenSSL lacks it), a Merkle root over fixed-size chunks, and for data files the row count and a digest
of the schema. Besides: the rule pack's name, version and hash, the tool's version, a digest of the report's
JSON Schema, and the UTC time.

Merkle tree (the construction of RFC 6962 section 2.1): the file is cut into ``CHUNK`` (1 MiB) pieces, the last
one shorter; leaf = SHA-256(0x00 || chunk); node = SHA-256(0x01 || left || right); leaves are paired left to
right, level by level, and an odd last node is *promoted* unchanged to the next level (never duplicated, so no
two different files share a root by repeating their last chunk). An empty file has no chunk and the root
SHA-256 of the empty string. A verifier holding one chunk and its log2(n) neighbours can prove it belongs to the
file without reading the rest.

Schema digest: SHA-256 of the compact JSON list ``[[column, type], ...]`` in file order (``ensure_ascii`` off,
separators ``,`` and ``:``); the type is the Parquet column's Arrow type, or ``string`` for CSV, whose cells
the tool reads as text.

Everything but ``created_utc`` depends only on the files: identical inputs and options give an identical
``files`` list. The reports under ``reports`` record the run's own duration (``timing``) and scan date, so
their digests change from run to run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from screening import io
from screening.errors import InputError

MANIFEST_VERSION = "1.0"
CHUNK = 1 << 20
SM3_UNAVAILABLE = "unavailable"
_LEAF, _NODE = b"\x00", b"\x01"


def sm3_available() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


def merkle_root(leaves: Sequence[bytes]) -> str:
    """Hex root over leaf hashes (already SHA-256(0x00 || chunk)); odd nodes promoted."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = list(leaves)
    while len(level) > 1:
        nxt = [hashlib.sha256(_NODE + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def file_digests(path: str | Path, chunk: int = CHUNK) -> dict[str, Any]:
    """Size, SHA-256, SM3 and Merkle root of a file, in one streamed pass."""
    p = Path(path)
    sha = hashlib.sha256()
    sm3 = hashlib.new("sm3") if sm3_available() else None
    leaves: list[bytes] = []
    size = 0
    try:
        with open(p, "rb") as f:
            while block := f.read(chunk):
                size += len(block)
                sha.update(block)
                if sm3 is not None:
                    sm3.update(block)
                leaves.append(hashlib.sha256(_LEAF + block).digest())
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except OSError as e:
        raise InputError(p, f"cannot read: {e.strerror or e.__class__.__name__}") from None
    return {
        "bytes": size,
        "sha256": sha.hexdigest(),
        "sm3": sm3.hexdigest() if sm3 is not None else SM3_UNAVAILABLE,
        "merkle_root": merkle_root(leaves),
        "chunks": len(leaves),
    }


def schema_digest(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> dict[str, Any]:
    """Column names and types of a data file, and the SHA-256 of that list."""
    info = io.open_source(path, encoding=encoding, delimiter=delimiter)
    if info.format == "parquet":
        import pyarrow.parquet as pq

        arrow = pq.read_schema(path)
        columns = [[name, str(t)] for name, t in zip(info.columns, arrow.types, strict=False)]
    else:
        columns = [[name, "string"] for name in info.columns]
    text = json.dumps(columns, ensure_ascii=False, separators=(",", ":"))
    return {"columns": columns, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def entry(
    role: str, path: str | Path, base: Path, rows: int | None = None, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One file of the manifest; ``data`` (encoding, delimiter) marks a data file whose schema is digested."""
    out: dict[str, Any] = {"role": role, "path": _relative(Path(path), base)}
    out.update(file_digests(path))
    if rows is not None:
        out["rows"] = rows
    if data is not None:
        out["schema"] = schema_digest(path, data.get("encoding"), data.get("delimiter"))
    return out


def for_run(
    report: dict[str, Any], report_files: Sequence[Path], manifest_path: Path, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The manifest of one ``run``: its input, desensitised output, sample and report files."""
    base = manifest_path.parent
    d = report["dataset"]
    files = [
        entry("input", d["path"], base, d["rows"], {"encoding": d.get("encoding"), "delimiter": d.get("delimiter")})
    ]
    for role in ("output", "sample"):
        item = report.get(role)
        if item:
            # written in the input's encoding and delimiter; the reader sniffs them again
            files.append(entry(role, item["path"], base, item["rows"], {}))
    return build(report, files, [entry("report", f, base) for f in report_files], now)


def build(
    report: dict[str, Any], files: list[dict[str, Any]], reports: list[dict[str, Any]], now: dt.datetime | None = None
) -> dict[str, Any]:
    from screening import __version__
    from screening.report import schema

    rules = report["rules"]
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    schema_text = json.dumps(schema(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {
        "manifest_version": MANIFEST_VERSION,
        "created_utc": created.isoformat().replace("+00:00", "Z"),
        "tool": {"name": "screening", "version": __version__},
        "rules": {"name": rules["name"], "version": rules["version"], "sha256": rules["sha256"]},
        "report_schema_sha256": hashlib.sha256(schema_text.encode("utf-8")).hexdigest(),
        "hashing": {
            "algorithms": ["sha256", "sm3"],
            "merkle": {
                "chunk_bytes": CHUNK,
                "leaf": "SHA-256(0x00 || chunk)",
                "node": "SHA-256(0x01 || left || right)",
                "odd_node": "promoted unchanged to the next level (not duplicated)",
                "empty_file": "SHA-256 of the empty string",
                "reference": "RFC 6962 section 2.1",
            },
            "schema": "SHA-256 of the compact JSON [[column, type], ...]",
        },
        "files": files,
        "reports": reports,
    }


def verify(manifest: dict[str, Any], base: Path) -> list[str]:
    """Problems found when recomputing every file's digests (empty = every file matches)."""
    problems = []
    for item in [*manifest.get("files", []), *manifest.get("reports", [])]:
        p = base / item["path"]
        try:
            now = file_digests(p)
        except InputError as err:
            problems.append(f"{item['path']}: {err}")
            continue
        for key in ("bytes", "sha256", "sm3", "merkle_root"):
            if SM3_UNAVAILABLE in (item.get(key), now[key]):
                continue
            if item.get(key) != now[key]:
                problems.append(f"{item['path']}: {key} differs")
    return problems


def to_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
