"""The encrypt operator: FF3-1 formats that keep their shape, round trips, known answers, and `screening reveal`."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import polars as pl
import pytest
from stdnum import luhn
from stdnum.cn import ric
from typer.testing import CliRunner

from cli import app
from recognizers.cn_id_card import validate as validate_id
from screening.errors import ConfigError, InputError
from screening.fpe import Cipher, encrypt_series, kind, reveal_file
from screening.operators import key_id

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"
KEY = b"screening-known-answer-key"
runner = CliRunner()


@pytest.fixture(scope="module")
def cipher() -> Cipher:
    return Cipher(KEY)


def _id18(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum wants the number with a check character


# ------------------------------------------------------------------------------------------- known answers
# Ciphertexts must never change for a key: files encrypted today are revealed by later versions.
KNOWN = [
    ("13812345678", "13850969225"),
    ("110101199003071233", "110101202110148771"),
    ("11010119900307123X", "110101202110148778"),  # invalid check character: stays as invalid
    ("110101900307123", "110101231031852"),
    ("6222021234567890125", "6222025001046453924"),
    ("0571-88881234", "0787-34875240"),
    ("张伟", "e_oConnDujgnqCugBswoesmgofgsdsehiExbhq"),
]


@pytest.mark.parametrize(("plain", "secret"), KNOWN)
def test_known_answers(cipher: Cipher, plain: str, secret: str) -> None:
    assert cipher.encrypt(plain) == secret
    assert cipher.decrypt(secret) == plain


def test_another_key_gives_other_ciphertexts(cipher: Cipher) -> None:
    other = Cipher(b"another-key-of-16-bytes-or-more")
    for plain, secret in KNOWN:
        assert other.encrypt(plain) != secret


# ------------------------------------------------------------------------------------------------ formats
FORMATS = [
    # (value, kind)
    ("13812345678", "phone"),
    ("１３８１２３４５６７８", "phone"),  # full-width digits: encrypted as digits, written back full-width
    ("110101199003071233", "id18"),
    ("11010119900307123X", "id18"),
    ("110101900307123", "id15"),  # legacy 15-digit number
    ("6222021234567890125", "luhn"),
    ("6225885438917924", "luhn"),
    ("356938035643809", "luhn"),  # an IMEI: 15 digits, passes Luhn, no 19xx date
    ("0571-88881234", "digits"),
    ("E12345678", "digits"),
    ("11010119900307123x", "digits"),  # lower-case x: not the check-character shape, kept in place
    ("9" * 130, "digits"),  # longer than one FF3-1 call
    ("张伟", "token"),
    ("欧阳娜娜", "token"),
    ("北京市朝阳区建国路88号", "token"),
    ("zhang.wei@example.com", "token"),
    ("12345", "token"),  # below FF3-1's minimum domain of 10^6
]


@pytest.mark.parametrize(("value", "fmt"), FORMATS)
def test_round_trip_and_shape(cipher: Cipher, value: str, fmt: str) -> None:
    half = value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    assert kind(half) == fmt
    secret = cipher.encrypt(value)
    assert secret != value and cipher.decrypt(secret) == value
    assert cipher.encrypt(value) == secret  # deterministic
    if fmt == "token":
        assert secret.startswith("e_") and not re.search(r"[0-9]", secret)
        return
    assert len(secret) == len(value)
    shape = slice(0, 17) if fmt == "id18" else slice(None)  # the check character may turn into X or from it
    assert [c.isdigit() for c in secret[shape]] == [c.isdigit() for c in value[shape]]
    assert [ord(c) > 0xFF00 for c in secret] == [ord(c) > 0xFF00 for c in value]  # widths kept per position
    assert kind(secret.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) == fmt


def test_id_numbers_stay_id_numbers(cipher: Cipher) -> None:
    rng = random.Random(3)
    for _ in range(300):
        body = f"{rng.choice(['110101', '330106', '440305'])}{rng.randint(1930, 2024)}"
        body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        value = _id18(body)
        secret = cipher.encrypt(value)
        # the project's own validator: province, a date in 1900..2030, MOD 11-2 (stdnum also checks that the
        # region code existed on the birth date, which a spread-out date cannot promise)
        assert validate_id(secret) and secret[:6] == value[:6], (value, secret)
        assert ric.calc_check_digit(secret) == secret[-1]
        assert cipher.decrypt(secret) == value


def test_cards_stay_cards_and_phones_stay_phones(cipher: Cipher) -> None:
    rng = random.Random(5)
    for _ in range(300):
        payload = "622202" + "".join(rng.choice("0123456789") for _ in range(rng.choice([9, 10, 12])))
        card = payload + luhn.calc_check_digit(payload)
        secret = cipher.encrypt(card)
        assert luhn.is_valid(secret) and secret[:6] == card[:6] and len(secret) == len(card)
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        secret = cipher.encrypt(phone)
        assert secret[:3] == phone[:3] and len(secret) == 11 and cipher.decrypt(secret) == phone


def test_random_digit_strings_round_trip_in_their_format(cipher: Cipher) -> None:
    """Cycle-walking keeps every format's shapes closed, so the shape of a ciphertext names its format."""
    rng = random.Random(9)
    for _ in range(1500):
        n = rng.choice([6, 8, 11, 12, 15, 16, 17, 18, 19, 20])
        value = "".join(rng.choice("0123456789") for _ in range(n))
        if n == 18 and rng.random() < 0.2:
            value = value[:17] + "X"
        if rng.random() < 0.2:
            value = value[:3] + "-" + value[3:]
        secret = cipher.encrypt(value)
        assert kind(secret) == kind(value) and len(secret) == len(value)
        assert cipher.decrypt(secret) == value, value


def test_tokens_are_authenticated(cipher: Cipher) -> None:
    token = cipher.token("张伟")
    with pytest.raises(ValueError):
        Cipher(b"another-key-of-16-bytes-or-more").decrypt(token)
    with pytest.raises(ValueError):
        cipher.decrypt(token[:-1] + ("a" if token[-1] != "a" else "b"))


def test_tokens_in_free_text(cipher: Cipher) -> None:
    text = f"客户{cipher.token('张伟')}来电，手机{cipher.token('13812345678')}。Mr {cipher.token('王芳')}and more"
    assert cipher.reveal_text(text) == "客户张伟来电，手机13812345678。Mr 王芳and more"


def test_encrypt_series_encrypts_distinct_values_once(cipher: Cipher, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = Cipher.encrypt

    def counting(self: Cipher, value: str) -> str:
        calls.append(value)
        return real(self, value)

    monkeypatch.setattr(Cipher, "encrypt", counting)
    s = pl.Series("v", ["13812345678", "13812345678", None, "", "张伟"])
    out = encrypt_series(s, KEY).to_list()
    assert sorted(calls) == sorted(["13812345678", "张伟"])
    assert out[0] == out[1] == real(cipher, "13812345678") and out[2] is None and out[3] == ""


# -------------------------------------------------------------------------------------------------- reveal
def _run(tmp: Path, key_file: Path, *actions: str) -> Path:
    args = ["run", str(SAMPLES / "customers.csv"), "--out", str(tmp / "out"), "-q", "--workers", "1"]
    args += ["--key-file", str(key_file)]
    for a in actions:
        args += ["--action", a]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return tmp / "out" / "customers.csv"


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("fpe")
    key_file = tmp / "key"
    key_file.write_bytes(KEY)
    out = _run(tmp, key_file, "身份证号=encrypt", "手机号=encrypt", "银行卡号=encrypt", "姓名=encrypt", "备注=encrypt")
    return out, key_file


def test_run_encrypts_and_reveal_restores(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    out, key_file = encrypted
    raw = pl.read_csv(SAMPLES / "customers.csv", infer_schema=False)
    enc = pl.read_csv(out, infer_schema=False)
    for col in ("身份证号", "手机号", "银行卡号", "姓名"):
        assert (enc[col] != raw[col]).all(), col
    valid = [validate_id(v) for v in raw["身份证号"].to_list()]
    assert [validate_id(v) for v in enc["身份证号"].to_list()] == valid  # valid stays valid, invalid invalid
    assert enc["姓名"].str.starts_with("e_").all()
    report = json.loads(out.with_name("customers.report.json").read_text(encoding="utf-8"))
    assert report["residual"]["clean"]  # encrypted columns are not mistaken for raw values
    result = runner.invoke(app, ["reveal", str(out), "--out", str(tmp_path / "back.csv"), "--key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    back = pl.read_csv(tmp_path / "back.csv", infer_schema=False)
    for col in ("身份证号", "手机号", "银行卡号", "姓名", "备注"):
        assert back[col].to_list() == raw[col].to_list(), col
    assert back["邮箱"].to_list() == enc["邮箱"].to_list()  # masked columns are left as they are


def test_reveal_columns_and_parquet_output(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = encrypted
    got = reveal_file(out, tmp_path / "back.parquet", KEY, ["手机号"])
    assert got["columns"] == {"手机号": "value"} and got["format"] == "parquet"
    back = pl.read_parquet(tmp_path / "back.parquet")
    raw = pl.read_csv(SAMPLES / "customers.csv", infer_schema=False)
    assert back["手机号"].to_list() == raw["手机号"].to_list()
    assert back["身份证号"].to_list() != raw["身份证号"].to_list()


def test_reveal_errors(encrypted: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, key_file = encrypted
    monkeypatch.delenv("SCREENING_KEY", raising=False)
    dst = tmp_path / "back.csv"

    def reveal(*extra: str) -> tuple[int, str]:
        r = runner.invoke(app, ["reveal", str(out), "--out", str(dst), *extra])
        return r.exit_code, r.output

    code, text = reveal()
    assert code == 2 and "SCREENING_KEY" in text
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"a-wrong-key-0123456789")
    code, text = reveal("--key-file", str(wrong))  # the report names the run's key
    assert code == 2 and "this key is not the one the file was written with" in text and "Traceback" not in text
    assert key_id(KEY) in text and key_id(wrong.read_bytes()) in text and KEY.decode() not in text
    code, text = reveal("--key-file", str(key_file), "--columns", "no_such")
    assert code == 2 and "no_such" in text
    assert not dst.exists()
    code, text = runner.invoke(app, ["reveal", str(out), "--out", str(out), "--key-file", str(key_file)]).exit_code, ""
    assert code == 2  # never over its input
    lone = tmp_path / "lone.csv"
    lone.write_bytes(out.read_bytes())
    with pytest.raises(ConfigError, match="--columns"):
        reveal_file(lone, tmp_path / "x.csv", KEY)


def test_the_report_names_the_key_by_its_id_and_reveal_checks_it(encrypted: tuple[Path, Path], tmp_path: Path) -> None:
    out, _ = encrypted
    report = json.loads(out.with_name("customers.report.json").read_text(encoding="utf-8"))
    assert report["output"]["key_id"] == key_id(KEY) and re.fullmatch("[0-9a-f]{16}", key_id(KEY))
    assert key_id(KEY) != key_id(KEY + b"x") and key_id(KEY) == key_id(bytes(KEY))
    # A report without the id (written before it existed): a wrong key is caught where tokens fail to authenticate.
    old = tmp_path / "old"
    old.mkdir()
    (old / "customers.csv").write_bytes(out.read_bytes())
    del report["output"]["key_id"]
    (old / "customers.report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match="not written by encrypt with this key"):
        reveal_file(old / "customers.csv", tmp_path / "x.csv", b"a-wrong-key-0123456789")
    assert not (tmp_path / "x.csv").exists()


def test_an_unkeyed_run_names_no_key(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(SAMPLES / "mixed_ids.csv"), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "key_id" not in json.loads((tmp_path / "mixed_ids.report.json").read_text(encoding="utf-8"))["output"]


def test_encrypt_without_key_stops_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENING_KEY", raising=False)
    result = runner.invoke(
        app, ["run", str(SAMPLES / "mixed_ids.csv"), "--out", str(tmp_path), "-q", "--action", "证件号码=encrypt"]
    )
    assert result.exit_code == 2 and "证件号码 (encrypt)" in result.output and "SCREENING_KEY" in result.output
    assert not any(tmp_path.iterdir())


def test_reveal_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    result = runner.invoke(app, ["reveal", "--help"])
    assert result.exit_code == 0 and "screening reveal" in readme
    for option in re.findall(r"(--[a-z][a-z-]+)", result.output):
        if option != "--help":
            assert option in readme, option
