"""The HTML report as a person sees it: rendered by headless Chromium (Debian's ``chromium``, which .ci/run
installs), its visible text read back from the DOM and its screenshot decoded and looked at.

Skips, with the reason, only where no Chromium binary can be found."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cli import app

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"
WIDTH, HEIGHT = 1200, 1600


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary on PATH (Debian: apt-get install chromium; .ci/run does this)"
)


def _headless(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = os.environ.get("TMPDIR", "/tmp")
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--hide-scrollbars", f"--user-data-dir={profile}/screening-chromium-profile", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def visible_text(dom: str) -> str:
    """The page's text: the serialised DOM without style blocks and tags, entities decoded."""
    import html

    dom = re.sub(r"<style.*?</style>|<script.*?</script>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (what Chromium writes), with the row filters undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 0xFF
            elif f == 2:
                line[x] = (line[x] + b) & 0xFF
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3)))
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """customers.csv through `run` with the HTML report; the page rendered by Chromium (DOM and screenshot)."""
    out = tmp_path_factory.mktemp("html")
    result = CliRunner().invoke(
        app,
        ["run", str(SAMPLES / "customers.csv"), "--out", str(out), "-q", "--workers", "1", "--sample", "5",
         "--report-format", "html"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html_path = next(out.glob("*.report.html"))
    report = json.loads(next(out.glob("*.report.json")).read_text(encoding="utf-8"))
    return {"path": html_path, "html": html_path.read_text(encoding="utf-8"), "report": report}


def test_the_page_is_self_contained(page: dict[str, object]) -> None:
    html = str(page["html"])
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", html, flags=re.I)
    assert "@import" not in html and "url(" not in html
    assert "<script src" not in html.lower()
    assert "default-src 'none'" in html  # the browser is told to fetch nothing


@needs_chromium
def test_chromium_shows_the_verdict_columns_and_masked_examples(page: dict[str, object]) -> None:
    done = _headless("--dump-dom", Path(str(page["path"])).as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    text = visible_text(done.stdout)
    report = page["report"]
    assert isinstance(report, dict)
    # the headings a reader looks for, Chinese first with English beside it
    for heading in ("结论", "Verdict", "先处理什么", "What to fix first", "数据筛查报告", "Screening report"):
        assert heading in text, heading
    # every column by name, with its level
    for column in report["columns"]:
        assert column["name"] in text, column["name"]
    # masked examples are shown, raw values never
    masked = [ex for c in report["columns"] for ex in c.get("examples", []) if "*" in ex]
    assert masked and all(ex in text for ex in masked[:5])
    raw = pl.read_csv(SAMPLES / "customers.csv", infer_schema=False)
    for name in ("身份证号", "手机号"):
        if name in raw.columns:
            for value in raw[name].drop_nulls().head(20):
                assert value not in text, f"raw {name} value in the rendered page"


@needs_chromium
def test_chromium_screenshot_has_the_verdict_banner_and_charts(page: dict[str, object], tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _headless(f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", Path(str(page["path"])).as_uri())
    assert shot.exists(), done.stderr[-2000:]
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)

    def is_ink(r: int, g: int, b: int) -> bool:
        return max(r, g, b) < 200  # text and bars, not the white or light background

    def is_colour(r: int, g: int, b: int) -> bool:
        return max(r, g, b) - min(r, g, b) > 60  # saturated: verdict banner, level badges, chart bars

    ink = colour = 0
    for row in rows[::4]:
        for x in range(0, len(row), 3 * 4):
            r, g, b = row[x], row[x + 1], row[x + 2]
            ink += is_ink(r, g, b)
            colour += is_colour(r, g, b)
    sampled = (height // 4 + 1) * (width // 4)
    assert ink / sampled > 0.01, "the page looks empty"
    assert colour / sampled > 0.005, "no coloured verdict, badge or chart bar on the first screen"
    # and it differs from an empty page rendered the same way
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    blank_shot = tmp_path / "blank.png"
    _headless(f"--screenshot={blank_shot}", f"--window-size={WIDTH},{HEIGHT}", blank.as_uri())
    assert blank_shot.exists() and blank_shot.stat().st_size * 5 < shot.stat().st_size
