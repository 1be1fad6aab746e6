"""Semantic columns (gender, ethnicity, religion, marital status, health, date of birth, bank account), decided
from the header and the value vocabulary, through the whole scan. Every value here is synthetic."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from stdnum import luhn

from recognizers import all_recognizers, by_entity
from recognizers.ethnicity import ETHNICITIES
from screening.detect import Detector
from screening.pipeline import Options, run_file, scan_file
from screening.profile import decide
from screening.rules import load_pack
from screening.synthetic import ETHNICITIES as SYNTHETIC_ETHNICITIES

ROWS = 300
Gen = Callable[[random.Random], str]


def pick(*values: str) -> Gen:
    return lambda rng: rng.choice(values)


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def date(rng: random.Random, first: int, last: int) -> tuple[int, int, int]:
    return rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28)


def iso_date(first: int, last: int) -> Gen:
    return lambda rng: "{:04d}-{:02d}-{:02d}".format(*date(rng, first, last))


def compact_date(rng: random.Random) -> str:
    return "{:04d}{:02d}{:02d}".format(*date(rng, 1950, 2015))


def written_date(rng: random.Random) -> str:
    y, m, d = date(rng, 1950, 2015)
    return rng.choice([f"{y}年{m}月{d}日", f"{y}/{m}/{d}", f"{y}.{m:02d}.{d:02d}"])


def account(n: int, sep: str = "") -> Gen:
    """A number that fails Luhn (so no card claims it), grouped by four with ``sep``."""

    def gen(rng: random.Random) -> str:
        while luhn.is_valid(number := digits(rng, n)):
            pass
        return sep.join(number[i : i + 4] for i in range(0, n, 4)) if sep else number

    return gen


def card(rng: random.Random) -> str:
    body = "622202" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + luhn.calc_check_digit(body)


DISEASES = (
    "高血压", "2型糖尿病", "冠心病", "慢性胃炎", "肺炎", "抑郁症", "乙肝", "高血压3级", "脑梗死", "乳腺癌术后",
    "慢性阻塞性肺疾病", "急性上呼吸道感染", "高血压, 2型糖尿病", "右肺上叶肺癌", "腰椎间盘突出症", "痛风",
)  # fmt: skip
ICD = ("I10", "E11.9", "J18.0", "I63.9", "K29.5", "C34.1", "F32.9")

# column -> (value generator, expected entity). Opaque headers (col_N) test what values alone decide.
COLUMNS: dict[str, tuple[Gen, str | None]] = {
    # GENDER: the words decide alone; codes and letters only under a header
    "性别": (pick("男", "女"), "GENDER"),
    "gender": (pick("male", "female", "Male", "Female"), "GENDER"),
    "xb": (pick("1", "2", "1", "2", "9"), "GENDER"),
    "col_7": (pick("男", "女", "男性", "女性", "未知"), "GENDER"),
    "col_8": (pick("1", "2"), None),
    "性别比例": (lambda rng: f"{rng.uniform(0.9, 1.2):.2f}", None),
    "gender_ratio": (pick("男", "女"), "GENDER"),  # a negative header does not overrule the values
    # ETHNICITY: forms with 族 decide alone; bare one-character names only under a header
    "民族": (lambda rng: rng.choices(ETHNICITIES, weights=[90] + [1] * 55)[0], "ETHNICITY"),
    "mz": (pick("汉", "回", "满", "蒙古", "维吾尔", "藏"), "ETHNICITY"),
    "ethnicity": (pick("汉族", "壮族", "苗族", "01", "08"), "ETHNICITY"),
    "col_9": (pick("汉族", "壮族", "维吾尔族", "土家", "朝鲜族"), "ETHNICITY"),
    "col_10": (pick("汉", "回", "满", "白"), None),
    # RELIGION: names decide alone; 无 / 其他 only under a header
    "宗教信仰": (pick("无宗教信仰", "佛教", "基督教", "无", "伊斯兰教"), "RELIGION"),
    "religion": (pick("Buddhism", "Islam", "Christianity", "None"), "RELIGION"),
    "col_11": (pick("佛教", "道教", "伊斯兰教", "天主教", "基督教", "东正教"), "RELIGION"),
    "col_12": (pick("无", "其他"), None),
    # MARITAL_STATUS: names decide alone; GB/T 2261.2 codes only under a header
    "婚姻状况": (pick("未婚", "已婚", "离异", "丧偶", "未说明"), "MARITAL_STATUS"),
    "hyzk": (pick("10", "20", "21", "22", "40", "90"), "MARITAL_STATUS"),
    "marital_status": (pick("married", "single", "divorced", "Married"), "MARITAL_STATUS"),
    "col_13": (pick("已婚", "未婚", "离婚", "再婚"), "MARITAL_STATUS"),
    "col_14": (pick("10", "20", "40"), None),
    # HEALTH: diagnoses decide alone; ICD-10 codes only under a header
    "诊断": (pick(*DISEASES), "HEALTH"),
    "diagnosis": (pick(*DISEASES), "HEALTH"),
    "icd10": (pick(*ICD), "HEALTH"),
    "过敏史": (pick("无", "无", "青霉素过敏", "头孢过敏", "否认药物过敏史"), "HEALTH"),
    "col_15": (pick(*DISEASES), "HEALTH"),
    "col_16": (pick(*ICD), None),
    # DATE_OF_BIRTH: only under a birth-date header
    "出生日期": (iso_date(1950, 2015), "DATE_OF_BIRTH"),
    "csrq": (compact_date, "DATE_OF_BIRTH"),
    "birth_date": (written_date, "DATE_OF_BIRTH"),
    "col_17": (iso_date(1950, 2015), None),
    "下单日期": (iso_date(2019, 2025), None),
    "注册日期": (compact_date, None),
    # BANK_ACCOUNT: only under an account header
    "对公账户": (account(20), "BANK_ACCOUNT"),
    "account_no": (account(19, "-"), "BANK_ACCOUNT"),
    "结算账号": (account(12), "BANK_ACCOUNT"),
    "银行账号": (card, "CN_BANK_CARD"),  # a card-and-account header: Luhn-valid card numbers are cards
    "col_18": (account(20), None),
    "金额": (lambda rng: rng.choice([str(rng.randint(10_000_000, 99_999_999)), f"{rng.uniform(1, 1e6):.2f}"]), None),
    "订单号": (account(20), None),
}


def write(path: Path, columns: dict[str, Gen], rows: int = ROWS, seed: str = "semantic") -> Path:
    rng = random.Random(seed)
    pl.DataFrame({name: [gen(rng) for _ in range(rows)] for name, gen in columns.items()}).write_csv(path)
    return path


def col(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["columns"] if c["name"] == name)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("semantic") / "people.csv", {n: g for n, (g, _) in COLUMNS.items()})


@pytest.fixture(scope="module")
def report(dataset: Path) -> dict[str, Any]:
    return scan_file(dataset, Options(ner_sample=0))


@pytest.mark.parametrize(("column", "entity"), [(n, e) for n, (_, e) in COLUMNS.items()], ids=list(COLUMNS))
def test_column_decision(report: dict[str, Any], column: str, entity: str | None) -> None:
    c = col(report, column)
    assert c["kind"] == "structured"
    assert c["entity"] == entity, c["reason"]
    if entity is not None:
        assert c["confidence"] >= 0.6, c["reason"]


@pytest.mark.parametrize(
    "column", [n for n, (_, e) in COLUMNS.items() if e and e != "CN_BANK_CARD"], ids=lambda n: str(n)
)
def test_report_carries_category_and_level_from_the_pack(report: dict[str, Any], column: str) -> None:
    c = col(report, column)
    rule = load_pack().entities[c["entity"]]
    assert (c["category"], c["level"], c["sensitive"], c["rule"]) == (
        rule.category,
        rule.level,
        rule.sensitive,
        rule.rule,
    )
    assert c["examples"] and all("*" in x for x in c["examples"])


def test_levels_of_the_default_pack(report: dict[str, Any]) -> None:
    levels = {col(report, n)["entity"]: (col(report, n)["level"], col(report, n)["sensitive"]) for n in COLUMNS}
    assert levels["GENDER"] == (2, False) and levels["DATE_OF_BIRTH"] == (2, False)
    assert levels["ETHNICITY"] == (3, False)
    for entity in ("RELIGION", "MARITAL_STATUS", "HEALTH", "BANK_ACCOUNT"):
        assert levels[entity] == (4, True), entity


def test_quiet_columns_are_graded_as_unidentified(report: dict[str, Any]) -> None:
    for name in ("col_8", "col_17", "下单日期", "金额", "订单号", "性别比例"):
        c = col(report, name)
        assert (c["entity"], c["level"], c["sensitive"]) == (None, 1, False), (name, c["reason"])


def test_header_only_values_under_a_header_are_counted(report: dict[str, Any]) -> None:
    # Every cell counts: codes under 性别/婚姻 headers, bare names under 民族, ICD codes under icd10, and the
    # 未说明 of a 婚姻状况 column though GENDER (earlier by priority) has 未说明 as a header-only value too.
    for name in ("xb", "mz", "hyzk", "icd10", "婚姻状况", "ethnicity"):
        c = col(report, name)
        assert c["entities"] == {c["entity"]: ROWS}, (name, c["entities"])


def test_negative_header_words(report: dict[str, Any]) -> None:
    assert col(report, "性别比例")["header_entity"] is None
    assert col(report, "gender_ratio")["header_entity"] is None
    assert col(report, "下单日期")["header_entity"] is None


def test_card_and_account_header_lets_the_values_decide(report: dict[str, Any]) -> None:
    # 银行账号 / 结算账号 name both a card and an account; the card wins the header (priority 40)
    for name in ("银行账号", "结算账号"):
        assert col(report, name)["header_entity"] == "CN_BANK_CARD"
    accounts = col(report, "结算账号")
    assert accounts["entity"] == "BANK_ACCOUNT" and "the header agrees" in accounts["reason"]
    assert col(report, "account_no")["entities"] == {"BANK_ACCOUNT": ROWS}


def test_accounts_that_happen_to_pass_luhn_do_not_make_a_card_column(tmp_path: Path) -> None:
    # About one random 19-digit number in ten passes Luhn. 银行账号 names a card and an account alike: those
    # cells count as cards, too few to be a member. 对公账户 names only an account: every cell is one.
    path = write(tmp_path / "t.csv", {"银行账号": lambda rng: digits(rng, 19), "对公账户": lambda rng: digits(rng, 19)})
    r = scan_file(path, Options(ner_sample=0))
    for name in ("银行账号", "对公账户"):
        c = col(r, name)
        assert c["entity"] == "BANK_ACCOUNT" and set(c["entities"]) == {"BANK_ACCOUNT"}, c["reason"]
    assert 0.8 * ROWS < col(r, "银行账号")["entities"]["BANK_ACCOUNT"] < ROWS
    assert col(r, "对公账户")["entities"]["BANK_ACCOUNT"] == ROWS


def test_the_header_decides_a_cell_valid_as_two_entities(tmp_path: Path) -> None:
    # Luhn-valid 15-digit numbers that are also plausible legacy ID numbers (region 110105, born 1990-03-07)
    from stdnum import luhn

    def imei(rng: random.Random) -> str:
        body = "110105900307" + digits(rng, 2)
        return body + luhn.calc_check_digit(body)

    path = write(tmp_path / "t.csv", {"imei": imei, "col_7": imei})
    r = scan_file(path, Options(ner_sample=0))
    assert col(r, "imei")["entities"] == {"IMEI": ROWS}  # the header names IMEI: it takes every cell
    assert col(r, "col_7")["entities"] == {"CN_ID_CARD": ROWS}  # no header: the higher priority does


def test_account_numbers_under_a_card_only_header_stay_a_card(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", {"银行卡号": account(12), "col_7": pick("男", "女")})
    c = col(scan_file(path, Options(ner_sample=0)), "银行卡号")
    assert c["entity"] == "CN_BANK_CARD" and "do not look like" in c["reason"]


# --- masked categorical values say nothing without the header ------------------------------------------


def test_masked_categories_count_only_under_their_header(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", {"性别": pick("*"), "宗教信仰": pick("**"), "col_7": pick("**", "*")})
    r = scan_file(path, Options(ner_sample=0))
    assert col(r, "性别")["entity"] == "GENDER" and col(r, "性别")["masked"] == {"GENDER": ROWS}
    assert col(r, "宗教信仰")["entity"] == "RELIGION" and "masked" in col(r, "宗教信仰")["reason"]
    assert col(r, "col_7")["entity"] is None and col(r, "col_7")["masked"] == {}


def test_masked_birth_dates_count_only_under_their_header(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", {"出生日期": pick("1990-**-**", "1985******"), "col_7": pick("1990-**-**")})
    r = scan_file(path, Options(ner_sample=0))
    assert col(r, "出生日期")["entity"] == "DATE_OF_BIRTH" and col(r, "出生日期")["masked"]
    assert col(r, "col_7")["entity"] is None


# --- the mechanism: header-only values are counted apart and claim no cell -------------------------------


def test_detector_counts_header_only_values_apart() -> None:
    recs = all_recognizers()
    values = ["1", "2", "男", "女", "M"] * 40
    det = Detector(("a", "性别"), recs, ner_sample=0)
    det.observe(pl.DataFrame({"a": values, "性别": values}))
    ev = det.evidence["a"]
    assert ev.valid["GENDER"] == 200 and ev.header_only["GENDER"] == 120
    opaque, named = decide(ev, recs), decide(det.evidence["性别"], recs)
    # without the header only the words count: 40%, a low-confidence GENDER; with it every value counts
    assert opaque.entities == {"GENDER": 80} and opaque.confidence < 0.6, opaque.reason
    assert named.entity == "GENDER" and named.entities == {"GENDER": 200} and named.confidence >= 0.9


def test_header_required_entities_claim_no_cell() -> None:
    """Eight digits are a birth date, a Taiwan permit number and a short account alike: the header decides."""
    recs = all_recognizers()
    rng = random.Random("claims")
    dates = [compact_date(rng) for _ in range(200)]
    det = Detector(("出生日期", "台胞证号", "银行账号"), recs, ner_sample=0)
    det.observe(pl.DataFrame({"出生日期": dates, "台胞证号": dates, "银行账号": dates}))
    for name, entity in (("出生日期", "DATE_OF_BIRTH"), ("台胞证号", "CN_TAIWAN_PERMIT"), ("银行账号", "BANK_ACCOUNT")):
        p = decide(det.evidence[name], recs)
        assert p.entity == entity and p.entities == {entity: 200}, (name, p.reason)


def test_header_only_patterns_are_part_of_the_pattern() -> None:
    for rec in all_recognizers():
        if rec.header_only_pattern is None:
            continue
        assert not rec.header_required
        # every header-only example is a valid value of the entity; word examples are not header-only
        only = pl.Series(rec.examples_valid).str.contains(f"^(?:{rec.header_only_pattern})$")
        assert 0 < only.sum() < len(rec.examples_valid), rec.entity
        assert all(rec.is_valid(v) for v in rec.examples_valid)


def test_birth_date_calendar_agrees_with_datetime() -> None:
    """The calendar is spelled out in the pattern (month lengths, leap years): check it day by day."""
    rec = by_entity()["DATE_OF_BIRTH"]
    last = dt.date.today().year
    values, expected = [], []
    for year in (*range(1896, 1906), 1996, 2000, 2004, 2023, 2024, last, last + 1, 2100):
        for month in range(14):
            for day in range(33):
                try:
                    ok = 1900 <= dt.date(year, month, day).year <= last
                except ValueError:
                    ok = False
                for text in (f"{year}-{month:02d}-{day:02d}", f"{year}/{month}/{day}", f"{year}{month:02d}{day:02d}"):
                    values.append(text)
                    expected.append(ok)
                values.append(f"{year}年{month}月{day}日")
                expected.append(ok)
    assert [rec.is_valid(v) for v in values] == expected
    vector = pl.DataFrame({"s": values}).select(rec.valid_expr(pl.col("s"))).to_series().to_list()  # type: ignore[misc]
    assert vector == expected


def test_ethnicity_list_has_the_56_groups() -> None:
    assert len(ETHNICITIES) == 56 and set(ETHNICITIES) == set(SYNTHETIC_ETHNICITIES)
    assert ETHNICITIES[0] == "汉族" and ETHNICITIES[-1] == "基诺族"


@pytest.mark.parametrize(
    ("entity", "valid", "invalid"),
    [
        (
            "DATE_OF_BIRTH",
            ["2000-02-29", "1990年12月31日", "19491001", "1990-3"],
            ["2001-02-29", "19000229", "1990-00"],
        ),
        ("BANK_ACCOUNT", ["3100-1234-5678", "02000012345678901234"], ["11111111", "1234 5678-9012"]),
        ("HEALTH", ["慢性胃炎；冠心病", "高血压病(2级)", "I10.x00x002", "肺部感染"], ["王文炎", "毛病", "路面硬化"]),
        ("GENDER", ["男", "FEMALE"], ["男女", "male "]),
    ],
)
def test_validators(entity: str, valid: list[str], invalid: list[str]) -> None:
    rec = by_entity()[entity]
    assert all(rec.is_valid(v) for v in valid), [v for v in valid if not rec.is_valid(v)]
    assert not any(rec.is_valid(v) for v in invalid), [v for v in invalid if rec.is_valid(v)]


# --- desensitisation follows each entity's convention ------------------------------------------------


def test_run_applies_each_convention(tmp_path: Path) -> None:
    columns: dict[str, Gen] = {
        "性别": pick("男", "女"),
        "出生日期": iso_date(1950, 2015),
        "民族": pick("汉族", "壮族"),
        "宗教信仰": pick("佛教", "基督教"),
        "婚姻状况": pick("已婚", "未婚"),
        "诊断": pick(*DISEASES),
        "对公账户": account(20),
    }
    path = write(tmp_path / "in.csv", columns, rows=100)
    rep, _ = run_file(path, tmp_path, tmp_path / "out", Options(ner_sample=0, workers=1))
    raw = pl.read_csv(path, infer_schema=False)
    out = pl.read_csv(rep["output"]["path"], infer_schema=False)
    assert out["性别"].to_list() == raw["性别"].to_list()  # level 2: kept
    assert out["出生日期"].to_list() == raw["出生日期"].str.slice(0, 4).to_list()  # generalised to the year
    for name in ("民族", "宗教信仰", "婚姻状况", "诊断"):  # categories are masked whole
        assert all(set(v) == {"*"} for v in out[name].to_list()), name
    assert all(m == "*" * 16 + v[-4:] for v, m in zip(raw["对公账户"], out["对公账户"], strict=True))
    assert rep["residual"]["clean"], rep["residual"]


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("收件人电话", "CN_PHONE"),
        ("联系人手机", "CN_PHONE"),
        ("customer_phone", "CN_PHONE"),
        ("银行卡开户行", "ORGANIZATION"),
        ("公司地址", "CN_ADDRESS"),
        ("身份证地址", "CN_ADDRESS"),
        ("法人身份证", "CN_ID_CARD"),
        ("持卡人姓名", "PERSON"),
        ("身份证号码(必填)", "CN_ID_CARD"),
        ("phone_model", None),
        ("地址类型", None),
        ("contact_address", "CN_ADDRESS"),
        ("remote_addr", "IP_ADDRESS"),
        ("id_card_no", "CN_ID_CARD"),  # card_no ends it, but inside id_card
        ("diagnosis_name", "HEALTH"),  # name is a generic head: the diagnosis names it
        ("merchant_name", "ORGANIZATION"),
        ("religion_name", "RELIGION"),
        ("开户行账号", "BANK_ACCOUNT"),  # 开户行 alone rules out an account column, inside 开户行账号 it does not
        ("开户行", "ORGANIZATION"),
        ("用户账号", None),  # a login, not a bank card
        ("支付宝账号", None),
        ("会员卡号", None),
        ("用药记录", "HEALTH"),  # GB/T 35273-2020 表A.1 个人健康生理信息: 用药记录
        ("medication", "HEALTH"),
    ],
)
def test_the_word_that_ends_a_header_names_it(header: str, entity: str | None) -> None:
    from recognizers import all_recognizers
    from screening.profile import header_entity

    assert header_entity(header, all_recognizers()) == entity
