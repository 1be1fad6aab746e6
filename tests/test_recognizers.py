"""Recognizers: contract, examples in both regex engines, scalar/vectorised agreement, text realities."""

from __future__ import annotations

import importlib
import ipaddress
import pkgutil
import random
import re
from collections.abc import Callable
from types import ModuleType

import polars as pl
import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

import recognizers
from recognizers import Recognizer, all_recognizers, by_entity, python_pattern
from recognizers import _common as common

RECS = all_recognizers()
ENTITIES = {
    "CN_ID_CARD", "CN_PHONE", "CN_LANDLINE", "CN_BANK_CARD", "CN_USCC", "CN_ORG_CODE", "CN_PASSPORT",
    "CN_LICENSE_PLATE", "CN_VIN", "EMAIL_ADDRESS", "IP_ADDRESS", "MAC_ADDRESS", "IMEI", "PERSON",
    "CN_ADDRESS", "ORGANIZATION", "CN_HK_MACAO_PERMIT", "CN_TAIWAN_PERMIT", "GEO_COORDINATE",
    "GENDER", "ETHNICITY", "RELIGION", "MARITAL_STATUS", "HEALTH", "DATE_OF_BIRTH", "BANK_ACCOUNT",
}  # fmt: skip
MASK_STYLES = {"head_tail", "name", "address", "email", "ip"}


def ids(rec: Recognizer) -> str:
    return rec.entity


def polars_matches(pattern: str, text: str) -> list[str]:
    return pl.Series([text]).str.extract_all(pattern).to_list()[0]


def python_matches(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(python_pattern(pattern), text)]


def by_entity_module(name: str) -> ModuleType:
    return importlib.import_module(f"recognizers.{name}")


def fully_matched(rec: Recognizer, value: str) -> bool:
    """The pattern finds exactly ``value`` in ``value``, in both engines (which must agree)."""
    in_polars = polars_matches(rec.pattern, value) == [value]
    in_python = python_matches(rec.pattern, value) == [value]
    assert in_polars == in_python, f"{rec.entity}: engines disagree on {value!r}"
    return in_polars


def vector_valid(rec: Recognizer, values: list[str | None]) -> list[bool]:
    assert rec.valid_expr is not None
    out = pl.DataFrame({"s": values}, schema={"s": pl.String}).select(rec.valid_expr(pl.col("s")))
    return [bool(v) for v in out.to_series().to_list()]


def found(rec: Recognizer, text: str) -> list[str]:
    """Validated candidates in ``text``; both engines must find the same ones."""
    candidates = polars_matches(rec.pattern, text)
    assert candidates == python_matches(rec.pattern, text)
    valid = vector_valid(rec, candidates)
    assert valid == [rec.is_valid(c) for c in candidates]
    return [c for c, ok in zip(candidates, valid, strict=True) if ok]


# --- discovery and the contract ------------------------------------------------------------------------


def test_discovery_finds_every_module() -> None:
    modules = {m.name for m in pkgutil.iter_modules(recognizers.__path__) if not m.name.startswith("_")}
    assert len(RECS) == len(modules)
    assert {r.entity for r in RECS} == ENTITIES
    assert len(by_entity()) == len(RECS)  # no two recognizers share an entity
    assert [r.priority for r in RECS] == sorted(r.priority for r in RECS)


def test_priorities_resolve_known_collisions() -> None:
    p = {r.entity: r.priority for r in RECS}
    assert p["CN_ID_CARD"] == 10 and p["CN_PHONE"] == 20 and p["CN_USCC"] == 30 and p["CN_BANK_CARD"] == 40
    assert p["CN_ID_CARD"] < p["IMEI"]  # 15-digit legacy IDs vs IMEI
    assert max(p[e] for e in ENTITIES if by_entity()[e].kind == "identifier") < min(
        p[e] for e in ("PERSON", "CN_ADDRESS", "ORGANIZATION")
    )


@pytest.mark.parametrize("rec", RECS, ids=ids)
def test_contract(rec: Recognizer) -> None:
    compiled = re.compile(rec.python_pattern)
    assert compiled.groups == 0, "capture groups would change what group 0 means"
    assert "\\d" not in rec.pattern and "(?=" not in rec.pattern and "(?!" not in rec.pattern
    assert "(?<" not in rec.pattern
    pl.Series(["x"]).str.contains(rec.pattern)  # compiles in Rust's dialect
    assert rec.validate is not None and rec.valid_expr is not None
    assert rec.kind in ("identifier", "vocabulary")
    assert rec.headers and all(h == h.lower().strip() for h in rec.headers)
    assert rec.negative_headers and all(h == h.lower().strip() for h in rec.negative_headers)
    assert not set(rec.headers) & set(rec.negative_headers)
    assert rec.context and 0 < rec.score <= 1
    assert rec.mask["style"] in MASK_STYLES
    if rec.mask["style"] == "head_tail":
        assert {"keep_head", "keep_tail"} <= rec.mask.keys()
    assert rec.masked_pattern and rec.masked_pattern.startswith("^") and rec.masked_pattern.endswith("$")
    re.compile(rec.masked_pattern)
    pl.Series(["x"]).str.contains(rec.masked_pattern)
    assert len(rec.examples_valid) >= 3 and len(rec.examples_invalid) >= 3


# --- examples ------------------------------------------------------------------------------------------

VALID = [(r, ex) for r in RECS for ex in r.examples_valid]
INVALID = [(r, ex) for r in RECS for ex in r.examples_invalid]


@pytest.mark.parametrize(("rec", "example"), VALID, ids=[f"{r.entity}:{e}" for r, e in VALID])
def test_valid_example(rec: Recognizer, example: str) -> None:
    assert fully_matched(rec, example)
    assert rec.is_valid(example)
    assert vector_valid(rec, [example]) == [True]


@pytest.mark.parametrize(("rec", "example"), INVALID, ids=[f"{r.entity}:{e}" for r, e in INVALID])
def test_invalid_example(rec: Recognizer, example: str) -> None:
    if fully_matched(rec, example):
        assert not rec.is_valid(example)
        assert vector_valid(rec, [example]) == [False]


IDENTIFIER_INVALID = [(r, ex) for r, ex in INVALID if r.kind == "identifier"]


@pytest.mark.parametrize(("rec", "example"), IDENTIFIER_INVALID, ids=[f"{r.entity}:{e}" for r, e in IDENTIFIER_INVALID])
def test_hard_negative_stays_quiet_in_text(rec: Recognizer, example: str) -> None:
    """Scanning the invalid value as text finds no validated candidate (no valid part inside it)."""
    assert found(rec, example) == []
    assert found(rec, f"备注{example}。") == []


def test_cross_entity_hard_negatives() -> None:
    quiet = {
        "1712345678901": ("CN_ID_CARD", "CN_PHONE", "CN_BANK_CARD", "IMEI", "CN_LANDLINE"),  # epoch ms
        "6901234567892": ("CN_ID_CARD", "CN_PHONE", "CN_BANK_CARD", "IMEI", "CN_LANDLINE"),  # EAN-13
        "1234567890123456789": ("CN_ID_CARD", "CN_BANK_CARD", "CN_USCC"),  # serial failing Luhn
        "1.2.3.4.5": ("IP_ADDRESS",),
    }
    for text, entities in quiet.items():
        for entity in entities:
            assert found(by_entity()[entity], text) == [], (entity, text)


# --- scalar and vectorised validators agree ------------------------------------------------------------

JUNK_ALPHABET = "0123456789XxABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-: .+@#·转号路市区县省张王欧阳司马公司银行１٣é\n"


def mutate(rng: random.Random, value: str, alphabet: str) -> str:
    chars = list(value)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        pos = rng.randrange(len(chars) + 1)
        if op < 0.4 and pos < len(chars):
            chars[pos] = rng.choice(alphabet)
        elif op < 0.7:
            chars.insert(pos, rng.choice(alphabet))
        elif chars:
            del chars[min(pos, len(chars) - 1)]
    return "".join(chars)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def gen_id(rng: random.Random) -> str:
    prov = rng.choice(sorted(by_entity_module("cn_id_card").PROVINCES) + ["99", "10", "62"])
    year, month, day = rng.randint(1890, 2040), rng.randint(0, 13), rng.randint(0, 32)
    if rng.random() < 0.2:
        return f"{prov}{digits(rng, 4)}{year % 100:02d}{month:02d}{day:02d}{digits(rng, 3)}"
    body = f"{prov}{digits(rng, 4)}{year:04d}{month:02d}{day:02d}{digits(rng, 3)}"
    check = common.mod11_2_check(body) if rng.random() < 0.5 else rng.choice("0123456789Xx")
    return body + (check.lower() if rng.random() < 0.2 else check)


def gen_uscc(rng: random.Random) -> str:
    alphabet = common.USCC_ALPHABET
    head = rng.choice("1259ANY") + rng.choice(alphabet) + digits(rng, 6)
    body = "".join(rng.choice(alphabet) for _ in range(8))
    org = body + (common.gb11714_check(body) if rng.random() < 0.7 else rng.choice(alphabet))
    code = head + org
    return code + (common.uscc_check(code) if rng.random() < 0.7 else rng.choice(alphabet))


def luhn_number(rng: random.Random, n: int) -> str:
    body = rng.choice("123456789") + digits(rng, n - 2)
    return body + (luhn.calc_check_digit(body) if rng.random() < 0.5 else rng.choice("0123456789"))


def gen_bank(rng: random.Random) -> str:
    number = luhn_number(rng, rng.randint(15, 20))
    sep = rng.choice(["", "", " ", "-"])
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4)) if sep else number


def gen_org(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXYZ") for _ in range(8))
    return body + "-" + (common.gb11714_check(body) if rng.random() < 0.5 else rng.choice("0123456789X"))


def gen_vin(rng: random.Random) -> str:
    vin = list("".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17)))
    if rng.random() < 0.5:
        vin[8] = common.vin_check("".join(vin))
    return "".join(vin)


def gen_phone(rng: random.Random) -> str:
    number = "1" + rng.choice("3456789") + digits(rng, 9)
    sep = rng.choice(["", "", " ", "-"])
    prefix = rng.choice(["", "", "+86", "86", "0086", "+86 "])
    return prefix + sep.join((number[:3], number[3:7], number[7:]))


def gen_ip(rng: random.Random) -> str:
    if rng.random() < 0.5:
        octets = [str(rng.choice([rng.randint(0, 255), rng.randint(0, 300)])) for _ in range(rng.choice([4, 4, 3, 5]))]
        if rng.random() < 0.2:
            octets[0] = "0" + octets[0]
        return ".".join(octets)
    addr = ipaddress.IPv6Address(rng.getrandbits(128) >> rng.choice([0, 64, 100, 120]))
    return rng.choice([addr.compressed, addr.exploded])


def gen_email(rng: random.Random) -> str:
    local = "".join(rng.choice("abcXYZ019._%+-") for _ in range(rng.randint(1, 70)))
    labels = ["".join(rng.choice("abc12-") for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 3))]
    return f"{local}@{'.'.join(labels)}.{rng.choice(['com', 'cn', 'c', 'COM', 'co1'])}"


def gen_person(rng: random.Random) -> str:
    surname = rng.choice(by_entity_module("person").SURNAMES)
    return surname + "".join(rng.choice("明华的市国强伟芳娜欧阳司马子龙") for _ in range(rng.randint(0, 3)))


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "CN_ID_CARD": gen_id,
    "CN_USCC": gen_uscc,
    "CN_BANK_CARD": gen_bank,
    "IMEI": lambda rng: luhn_number(rng, 15),
    "CN_ORG_CODE": gen_org,
    "CN_VIN": gen_vin,
    "CN_PHONE": gen_phone,
    "IP_ADDRESS": gen_ip,
    "EMAIL_ADDRESS": gen_email,
    "PERSON": gen_person,
}


@pytest.mark.parametrize("rec", RECS, ids=ids)
def test_scalar_and_vectorised_agree(rec: Recognizer) -> None:
    rng = random.Random(f"agree-{rec.entity}")
    examples = list(rec.examples_valid + rec.examples_invalid)
    alphabet = "".join(sorted(set("".join(examples)))) + JUNK_ALPHABET
    values: list[str] = []
    values += [mutate(rng, rng.choice(examples), alphabet) for _ in range(1500)]
    values += ["".join(rng.choice(JUNK_ALPHABET) for _ in range(rng.randint(0, 25))) for _ in range(300)]
    if rec.entity in GENERATORS:
        values += [GENERATORS[rec.entity](rng) for _ in range(3000)]
    values += examples
    scalar = [rec.is_valid(v) for v in values]
    assert vector_valid(rec, values) == scalar
    if rec.valid_series is not None:  # the numpy twin used on candidate Series agrees too
        assert rec.valid_series(pl.Series(values, dtype=pl.String)).to_list() == scalar
        # ... also when told that the values have the shape (the detector ran the shape regex already)
        whole = pl.Series(values, dtype=pl.String).str.contains(f"^(?:{rec.pattern})$").to_list()
        shaped_values = [v for v, w in zip(values, whole, strict=True) if w]
        expected = [ok for ok, w in zip(scalar, whole, strict=True) if w]
        assert rec.valid_series(pl.Series(shaped_values, dtype=pl.String), shaped=True).to_list() == expected
    assert vector_valid(rec, [None, "", " "]) == [False, False, False]
    # The detector validates first and runs the shape regex only on the values the validator rejected: that
    # counts right only if every value a validator accepts has the entity's shape.
    shaped = pl.Series(values, dtype=pl.String).str.contains(f"^\\s*(?:{rec.pattern})\\s*$").to_list()
    assert [v for v, ok, s in zip(values, scalar, shaped, strict=True) if ok and not s] == []
    if rec.entity in GENERATORS:  # the generators produce a fair share of valid values
        assert 0.05 < sum(scalar[-3000 - len(examples) : -len(examples)]) / 3000 < 0.95


@pytest.mark.parametrize("rec", [r for r in RECS if r.shape_is_valid], ids=ids)
def test_shape_is_valid_holds(rec: Recognizer) -> None:
    """Where a recognizer says so, the detector takes the validator's answer for the whole-value shape."""
    rng = random.Random(f"closed-{rec.entity}")
    examples = list(rec.examples_valid + rec.examples_invalid)
    alphabet = "".join(sorted(set("".join(examples)))) + JUNK_ALPHABET
    values = [mutate(rng, rng.choice(examples), alphabet).strip() for _ in range(3000)]
    values += [*examples, "", "1", "12", "0", "male", "Male ", "女性", "汉族", "10", "90", "其他"]
    values = [v.strip() for v in values]
    whole = pl.Series(values, dtype=pl.String).str.contains(f"^\\s*(?:{rec.pattern})\\s*$").to_list()
    assert whole == [rec.is_valid(v) for v in values]
    assert any(whole) and not all(whole)


def test_checksums_agree_with_stdnum() -> None:
    rng = random.Random("stdnum")
    bodies = [digits(rng, 17) for _ in range(5000)]
    vector = pl.select(common.mod11_2_expr(pl.Series(bodies))).to_series().to_list()
    for body, v in zip(bodies, vector, strict=True):
        assert common.mod11_2_check(body) == ric.calc_check_digit(body + "0") == v
    codes = ["".join(rng.choice(common.USCC_ALPHABET) for _ in range(17)) for _ in range(5000)]
    vector = pl.select(common.uscc_expr(pl.Series(codes))).to_series().to_list()
    for code, v in zip(codes, vector, strict=True):
        assert common.uscc_check(code) == uscc.calc_check_digit(code) == v
    numbers = [digits(rng, rng.randint(1, 19)) for _ in range(5000)]
    vector = pl.select(common.luhn_expr(pl.Series(numbers))).to_series().to_list()
    for number, v in zip(numbers, vector, strict=True):
        assert common.luhn_ok(number) == luhn.is_valid(number) == v


def test_id_and_uscc_validators_agree_with_stdnum_checksums() -> None:
    rng = random.Random("stdnum-validators")
    id_card, credit = by_entity()["CN_ID_CARD"], by_entity()["CN_USCC"]
    for _ in range(3000):
        value = gen_id(rng)
        if len(value) == 18 and id_card.is_valid(value):
            assert ric.calc_check_digit(value) == value[-1].upper()
        elif len(value) == 18 and fully_matched(id_card, value) and ric.calc_check_digit(value) == value[-1].upper():
            assert not by_entity_module("cn_id_card")._date_ok(value[6:14])
        code = gen_uscc(rng)
        if credit.is_valid(code):
            assert uscc.is_valid(code) or not code[:8].isdigit()
        elif code[:8].isdigit() and uscc.is_valid(code):
            assert common.gb11714_check(code[8:16]) != code[16]


def test_modular_shortcut_for_mod11_2() -> None:
    """Σ dᵢ·Wᵢ ≡ 2·int(body, 13) (mod 11) with the GB 11643 weights."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    rng = random.Random("mod11-2")
    for _ in range(1000):
        body = digits(rng, 17)
        assert sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 == 2 * int(body, 13) % 11


def test_ipv6_pattern_agrees_with_ipaddress() -> None:
    rec = by_entity()["IP_ADDRESS"]
    rng = random.Random("ipv6")
    forms: list[str] = []
    for _ in range(1000):
        addr = ipaddress.IPv6Address(rng.getrandbits(128) >> rng.choice([0, 16, 64, 100, 124]))
        forms += [addr.compressed, addr.exploded]
        if rng.random() < 0.3:
            forms.append(f"::ffff:{ipaddress.IPv4Address(rng.getrandbits(32))}")
    forms = [f for f in forms if f != "::"]
    texts = [f"来自{form}的请求" for form in forms]
    extracted = pl.Series(texts).str.extract_all(rec.pattern).to_list()
    for form, text, got in zip(forms, texts, extracted, strict=True):
        assert got == python_matches(rec.pattern, text) == [form]
    assert vector_valid(rec, forms) == [bool(re.search("[0-9]", f)) for f in forms]
    # Near misses: the strict IPv6 check accepts exactly what Python's ipaddress accepts.
    broken = [mutate(rng, form, "0123456789abcdefg:.") for form in forms]
    for value, ok in zip(broken, vector_valid(rec, broken), strict=True):
        if ":" not in value or not re.search("[0-9]", value):
            continue
        try:
            python_ok = isinstance(ipaddress.ip_address(value), ipaddress.IPv6Address) and "%" not in value
        except ValueError:
            python_ok = False
        assert ok == python_ok == rec.is_valid(value), value


# --- text realities ------------------------------------------------------------------------------------

TEXT_CASES = [
    ("CN_ID_CARD", "身份证号110101199003071233", ["110101199003071233"]),
    ("CN_ID_CARD", "证件号码：62010219780615032x，性别男", ["62010219780615032x"]),
    ("CN_ID_CARD", "订单号20110101199003071233", []),  # inside a longer digit run
    ("CN_ID_CARD", "编号110101199003071233A", []),  # runs into a letter
    ("CN_PHONE", "电话+86-138-1234-5678，谢谢", ["+86-138-1234-5678"]),
    ("CN_PHONE", "手机13812345678或者15912345678", ["13812345678", "15912345678"]),
    ("CN_PHONE", "流水号2023138123456789", []),
    ("CN_LANDLINE", "办公电话(010)62345678转801，传真0571-87654321", ["(010)62345678转801", "0571-87654321"]),
    ("CN_BANK_CARD", "卡号6222 0212 3456 7890 128已绑定", ["6222 0212 3456 7890 128"]),
    ("CN_USCC", "统一社会信用代码91440300MA5F3K7Q81。", ["91440300MA5F3K7Q81"]),
    ("EMAIL_ADDRESS", "邮箱zhang.san@example.com谢谢", ["zhang.san@example.com"]),
    ("EMAIL_ADDRESS", "请发至：li_si+tag@mail.example.cn。", ["li_si+tag@mail.example.cn"]),
    ("IP_ADDRESS", "登录IP:192.168.1.1，端口8080", ["192.168.1.1"]),
    ("IP_ADDRESS", "版本1.2.3.4.5发布", []),
    ("IP_ADDRESS", "地址2001:db8::1已封禁", ["2001:db8::1"]),
    ("MAC_ADDRESS", "网卡00:1A:2B:3C:4D:5E在线", ["00:1A:2B:3C:4D:5E"]),
    ("CN_LICENSE_PLATE", "车牌粤BD12345违停", ["粤BD12345"]),
    ("CN_ADDRESS", "我家住在北京市海淀区中关村大街27号，欢迎", ["北京市海淀区中关村大街27号"]),
    ("ORGANIZATION", "他在北京大学读书", ["北京大学"]),
]


@pytest.mark.parametrize(("entity", "text", "expected"), TEXT_CASES, ids=[f"{e}:{t}" for e, t, _ in TEXT_CASES])
def test_text_realities(entity: str, text: str, expected: list[str]) -> None:
    assert found(by_entity()[entity], text) == expected


def test_gansu_id_is_not_a_bank_card_by_priority() -> None:
    """A Gansu ID (62…) can pass Luhn too; the ID recognizer's priority decides."""
    rng = random.Random("gansu")
    id_card, card = by_entity()["CN_ID_CARD"], by_entity()["CN_BANK_CARD"]
    both = []
    for _ in range(2000):
        body = f"620102{rng.randint(1950, 2010)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}{digits(rng, 3)}"
        value = body + common.mod11_2_check(body)
        if "X" not in value and card.is_valid(value):
            both.append(value)
    assert both and all(id_card.is_valid(v) for v in both)
    winner = min((r for r in RECS if r.is_valid(both[0])), key=lambda r: r.priority)
    assert winner.entity == "CN_ID_CARD"


# --- headers, masks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "header"),
    [("CN_ADDRESS", "地址类型"), ("CN_PHONE", "phone_model"), ("ORGANIZATION", "公司类型"),
     ("CN_ID_CARD", "证件类型"), ("CN_BANK_CARD", "开户行"), ("IP_ADDRESS", "ip归属地"),
     ("PERSON", "company_name"), ("CN_ADDRESS", "email_address")],
)  # fmt: skip
def test_negative_header_words_present(entity: str, header: str) -> None:
    rec = by_entity()[entity]
    assert any(n in header for n in rec.negative_headers)


@pytest.mark.parametrize(
    ("entity", "header"),
    [("CN_ID_CARD", "sfzh"), ("CN_ID_CARD", "身份证号"), ("CN_PHONE", "sjh"), ("CN_PHONE", "联系电话"),
     ("CN_BANK_CARD", "yhkh"), ("CN_USCC", "tyshxydm"), ("PERSON", "xm"), ("CN_ADDRESS", "dz"),
     ("EMAIL_ADDRESS", "email"), ("ORGANIZATION", "company")],
)  # fmt: skip
def test_header_words_present(entity: str, header: str) -> None:
    assert header in by_entity()[entity].headers


MASKED = {
    "CN_ID_CARD": ["110101********1233", "5***************1X", "110***********1234", "110101*****7123"],
    "CN_PHONE": ["138****5678", "+86 138 **** 5678", "+86*******5678", "138******5678"],
    "CN_LANDLINE": ["0915*****79", "010-****5678", "0571-87****21", "+86 *********78"],
    "CN_BANK_CARD": ["1101 **** **** **** 3256", "***************0128", "622202******1234", "******************* 128"],
    "CN_USCC": ["91**********7Q81", "914403**********81"],
    "CN_ORG_CODE": ["60******-1", "MA*****-6"],
    "CN_VIN": ["LSV**********3456"],
    "IMEI": ["8612*******0127"],
    "MAC_ADDRESS": ["00:1A:2B:**:**:**", "00:1A:2B*********", "001a.2b3******"],
    "CN_PASSPORT": ["E*****678"],
    "CN_HK_MACAO_PERMIT": ["C*****678", "H*******801", "CA*****67"],
    "CN_TAIWAN_PERMIT": ["12****78", "12******01", "1*******01(B)"],
    "GEO_COORDINATE": ["30.27***************", "120.1*****", "30.27****,120.15****", "-33.8*****", "N30.2****"],
    "CN_LICENSE_PLATE": ["苏D4***0", "陕A1****D"],
    "EMAIL_ADDRESS": ["z*********@example.com"],
    "IP_ADDRESS": ["192.*.*.*", "2001:*:*:*:*:*:*:*"],
    "PERSON": ["张*", "欧阳**"],
    "CN_ADDRESS": ["北京市海淀区马********"],
    "GENDER": ["*", "**"],
    "ETHNICITY": ["**", "****"],
    "RELIGION": ["**", "****"],
    "MARITAL_STATUS": ["**"],
    "HEALTH": ["***", "*****"],
    "DATE_OF_BIRTH": ["1990******", "1990-**-**", "1990年**月**日", "1990-03-**"],
    "BANK_ACCOUNT": ["****************3456", "1100************3456", "******************* 345"],
    "ORGANIZATION": ["北京****有限公司"],
}


@pytest.mark.parametrize("rec", RECS, ids=ids)
def test_masked_pattern(rec: Recognizer) -> None:
    assert rec.masked_pattern is not None
    masked = re.compile(rec.masked_pattern)
    for value in MASKED[rec.entity]:
        assert masked.search(value), value
        assert not rec.is_valid(value)
    for value in rec.examples_valid:
        assert not masked.search(value), value
    if rec.entity == "CN_ID_CARD":  # a masked mobile number is not a masked ID number
        assert not masked.search("138****5678") and not masked.search("138******5678")


JUNK_VALUES = [
    "",
    " ",
    "\t\r\n",
    "\u3000",
    "😀😀😀",
    "138😀12345678",
    "\x00\x01\x02\x1b[31m",
    "11010119900307123X\x00",
    "\ufeff13812345678",
    "1" * 1_000_000,
    "张" * 300_000,
    "a@" * 200_000,
    "1." * 300_000,
    "-" * 1_000_000,
]


@pytest.mark.parametrize("rec", RECS, ids=ids)
def test_junk_values_are_rejected_without_raising(rec: Recognizer) -> None:
    """Empty, whitespace, emoji, control characters and 1 MB strings: every form of every recognizer answers
    (no exception, no runaway backtracking) and none of them is a valid value."""
    scalar = [rec.is_valid(v) for v in JUNK_VALUES]
    assert not any(scalar), [v[:20] for v, ok in zip(JUNK_VALUES, scalar, strict=True) if ok]
    if rec.valid_expr is not None:
        assert vector_valid(rec, list(JUNK_VALUES)) == scalar
    if rec.valid_series is not None:
        assert rec.valid_series(pl.Series(JUNK_VALUES, dtype=pl.String)).to_list() == scalar
    shapes = pl.Series(JUNK_VALUES).str.contains(f"^\\s*(?:{rec.pattern})\\s*$")
    assert len(shapes) == len(JUNK_VALUES) and not shapes.any()


def test_detector_survives_junk_columns() -> None:
    from screening.detect import Detector
    from screening.profile import decide

    det = Detector(("junk",), RECS, ner_sample=0)
    det.observe(pl.DataFrame({"junk": JUNK_VALUES * 3}))
    profile = decide(det.evidence["junk"], RECS)
    assert profile.entity is None and not profile.errors
