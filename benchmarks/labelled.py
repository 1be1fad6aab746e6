"""A labelled set for the accuracy harness: synthetic tables with ground truth per column and per cell.

Seven tables (CSV in UTF-8, UTF-8 with BOM and GBK; Parquet with some int64 columns) hold every entity of
``screening.model.ENTITY_NAMES`` under Chinese, pinyin, pinyin-initial, English and opaque (``col_7``)
headers, beside the hard negatives of the accuracy issue and decoy headers:

- hard negatives (truth: no entity): 18-digit order numbers that fail MOD 11-2 although they start with a
  real county code and a plausible date; 13-digit epoch-millisecond timestamps; EAN-13 product codes (valid
  EAN check, China prefix 690-699); 19-digit serials starting ``62`` that fail Luhn; 18-character codes
  shaped like a USCC, with a valid embedded organisation code, whose GB 32100 check character is wrong;
  version strings ``a.b.c.d``;
- decoy headers (truth: no entity): 地址类型 holding 家庭/公司, 手机型号 / phone_model holding model names,
  公司类型 holding 有限责任公司 ..., 证件类型 holding document names, in all four header styles;
- mixed columns (an ID number or a passport, a mobile or a landline, a mobile or an e-mail, an ID number or
  a card under an opaque header), sparse columns (10-15% of the cells sensitive), columns with empty cells,
  an all-empty column, already-masked columns (truth: the entity, masked) and free text with labelled
  entities inside its cells.

Every value is made up: identifiers carry valid check characters (python-stdnum agrees, see
tests/test_accuracy.py), hard negatives carry wrong ones. ``screening.synthetic`` makes the values it
has a generator for; this module makes the rest.

Labels are written beside each table as ``NAME.labels.json``: per column the header style, the entities
its values hold (``entities``; several for a mixed column, none for a hard negative), the hard-negative
kind, whether the values are masked, and per cell the entities the cell holds (``cells``: one item per
row, ``null`` for none, an entity name, or a list of names for a free-text cell holding several).

What a column *should* be reported as depends on one property of the recognizer that exists at run time:
values of an entity that needs its header (``Recognizer.header_required``, e.g. dates of birth) under an
opaque header are, by design, not that entity. :func:`expected` applies that rule; the labels keep the
facts (what the values are, how the column is headed).

The table layout (names, headers, kinds) does not depend on the seed or the row count; the values do.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from screening import synthetic

Style = Literal["zh", "pinyin", "initials", "en", "opaque"]
STYLES: tuple[Style, ...] = ("zh", "pinyin", "initials", "en", "opaque")

Cells = list[tuple[str, ...]]
"""Per row, the entities the cell holds (empty: none)."""
Values = list[str | None]
Maker = Callable[[random.Random, int], tuple[Values, Cells]]
"""(rng, rows) -> the column's values and, per row, the entities each value holds."""

# ---------------------------------------------------------------------------------------------------------
# Headers: one per entity and style. Chosen as real exports name columns, not copied from recognizers/.

HEADERS: dict[str, tuple[str, str, str, str]] = {
    # entity: (Chinese, pinyin, pinyin initials, English)
    "PERSON": ("姓名", "xingming", "xm", "name"),
    "CN_ID_CARD": ("身份证号", "shenfenzhenghao", "sfzh", "id_card"),
    "CN_PHONE": ("手机号", "shoujihao", "sjh", "mobile"),
    "CN_LANDLINE": ("固定电话", "gudingdianhua", "gddh", "landline"),
    "CN_BANK_CARD": ("银行卡号", "yinhangkahao", "yhkh", "bank_card_no"),
    "CN_USCC": ("统一社会信用代码", "tongyishehuixinyongdaima", "tyshxydm", "credit_code"),
    "CN_ORG_CODE": ("组织机构代码", "zuzhijigoudaima", "zzjgdm", "org_code"),
    "CN_PASSPORT": ("护照号码", "huzhaohaoma", "hzhm", "passport_no"),
    "CN_HK_MACAO_PERMIT": ("港澳通行证号码", "gangaotongxingzheng", "gatxz", "hk_macao_permit_no"),
    "CN_TAIWAN_PERMIT": ("台湾通行证号码", "taiwantongxingzheng", "twtxz", "taiwan_permit_no"),
    "CN_LICENSE_PLATE": ("车牌号", "chepaihao", "cph", "plate_no"),
    "CN_VIN": ("车架号", "chejiahao", "cjh", "vin"),
    "EMAIL_ADDRESS": ("电子邮箱", "dianziyouxiang", "dzyx", "email"),
    "IP_ADDRESS": ("IP地址", "ipdizhi", "ipdz", "ip_address"),
    "MAC_ADDRESS": ("MAC地址", "macdizhi", "macdz", "mac_address"),
    "IMEI": ("手机串号", "shoujichuanhao", "sjch", "imei"),
    "GEO_COORDINATE": ("经纬度", "jingweidu", "jwd", "coordinates"),
    "CN_ADDRESS": ("家庭住址", "jiatingzhuzhi", "jtzz", "home_address"),
    "ORGANIZATION": ("工作单位", "gongzuodanwei", "gzdw", "employer"),
    "DATE_OF_BIRTH": ("出生日期", "chushengriqi", "csrq", "date_of_birth"),
    "GENDER": ("性别", "xingbie", "xb", "gender"),
    "ETHNICITY": ("民族", "minzu", "mz", "ethnicity"),
    "RELIGION": ("宗教信仰", "zongjiaoxinyang", "zjxy", "religion"),
    "HEALTH": ("既往病史", "jiwangbingshi", "jwbs", "medical_history"),
    "MARITAL_STATUS": ("婚姻状况", "hunyinzhuangkuang", "hyzk", "marital_status"),
    "BANK_ACCOUNT": ("银行账号", "yinhangzhanghao", "yhzh", "bank_account"),
}

HARD_NEGATIVE_HEADERS: dict[str, tuple[str, str, str, str]] = {
    "order_no": ("订单号", "dingdanhao", "ddh", "order_id"),
    "epoch_ms": ("创建时间", "chuangjianshijian", "cjsj", "created_at_ms"),
    "ean13": ("商品条码", "shangpintiaoma", "sptm", "barcode"),
    "serial_no_luhn": ("设备序列号", "shebeixuliehao", "sbxlh", "serial_no"),
    "uscc_bad_check": ("批次编码", "picibianma", "pcbm", "batch_code"),
    "version": ("版本号", "banbenhao", "bbh", "app_version"),
}
DECOY_HEADERS: dict[str, tuple[str, str, str, str]] = {
    "address_type": ("地址类型", "dizhileixing", "dzlx", "address_type"),
    "phone_model": ("手机型号", "shoujixinghao", "sjxh", "phone_model"),
    "company_type": ("公司类型", "gongsileixing", "gslx", "company_type"),
    "id_type": ("证件类型", "zhengjianleixing", "zjlx", "id_type"),
}

# ---------------------------------------------------------------------------------------------------------
# Check characters (the same algorithms as the recognizers, written independently).


def luhn_digit(body: str) -> str:
    """The Luhn check digit that completes ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def ean13_digit(body: str) -> str:
    """EAN-13 check digit for 12 digits: weights 1, 3 alternating from the left."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return str((10 - total % 10) % 10)


_VIN_VALUE = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VIN_VALUE |= dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9}
_VIN_VALUE |= dict(zip("STUVWXYZ", range(2, 10), strict=True))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin_digit(vin17: str) -> str:
    """ISO 3779 check character (position 9) of a 17-character VIN; position 9 of the input is ignored."""
    total = sum(_VIN_VALUE[c] * w for c, w in zip(vin17, _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


_ORG_VALUE = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)}


def org_digit(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code."""
    check = 11 - sum(_ORG_VALUE[c] * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


# ---------------------------------------------------------------------------------------------------------
# Values: (rng, n) -> n strings. Entities screening.synthetic has a generator for come from there.


def _synthetic(kind: str) -> Callable[[random.Random, int], list[str]]:
    return lambda rng, n: [str(v) for v in synthetic.column(kind, n, rng).to_list()]


def _digits(rng: random.Random, k: int) -> str:
    return "".join(rng.choices(string.digits, k=k))


_AREA_CODES = (
    "010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0311", "0351", "0371", "0431",
    "0451", "0471", "0531", "0551", "0571", "0574", "0591", "0592", "0731", "0755", "0757", "0769", "0871",
    "0898", "0931", "0991",
)  # fmt: skip


def landlines(rng: random.Random, n: int) -> list[str]:
    """Area code + 7 or 8 digits (8 after a 3-digit code), as 0571-87654321, 057187654321 or (0571)87654321."""
    out = []
    for _ in range(n):
        code = rng.choice(_AREA_CODES)
        number = str(rng.randint(2, 9)) + _digits(rng, 7 if len(code) == 3 else rng.choice((6, 7)))
        style = rng.random()
        out.append(f"{code}-{number}" if style < 0.7 else f"{code}{number}" if style < 0.85 else f"({code}){number}")
    return out


def org_codes(rng: random.Random, n: int) -> list[str]:
    """GB 11714 organisation codes: 8 digits (sometimes with letters) + '-' + check character."""
    out = []
    for _ in range(n):
        alphabet = string.digits + "ABCDEFGHJKLMNPQRTUWXY" if rng.random() < 0.2 else string.digits
        body = "".join(rng.choices(alphabet, k=8))
        out.append(f"{body}-{org_digit(body)}")
    return out


_PERMIT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def hk_macao_permits(rng: random.Random, n: int) -> list[str]:
    """往来港澳通行证: C + 8 digits, or C + letter + 7 digits."""
    return [
        "C" + (_digits(rng, 8) if rng.random() < 0.8 else rng.choice(_PERMIT_LETTERS) + _digits(rng, 7))
        for _ in range(n)
    ]


def taiwan_permits(rng: random.Random, n: int) -> list[str]:
    """台湾居民来往大陆通行证 (8 digits) or 大陆居民往来台湾通行证 (L + 8 digits)."""
    return [_digits(rng, 8) if rng.random() < 0.7 else "L" + _digits(rng, 8) for _ in range(n)]


_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O


def license_plates(rng: random.Random, n: int) -> list[str]:
    """京A12345 (up to two letters among the five), new-energy 粤BD12345; one in ten written with '·'."""
    out = []
    for _ in range(n):
        head = rng.choice(_PROVINCE_CHARS) + rng.choice(_PLATE_LETTERS[:16])
        if rng.random() < 0.2:
            tail = rng.choice("DF") + rng.choice(_PLATE_LETTERS + string.digits) + _digits(rng, 4)
        else:
            chars = [rng.choice(string.digits) for _ in range(5)]
            for i in rng.sample(range(5), rng.choice((0, 0, 1, 2))):
                chars[i] = rng.choice(_PLATE_LETTERS)
            tail = "".join(chars)
        out.append(head + ("·" if rng.random() < 0.1 else "") + tail)
    return out


_WMIS = ("LSV", "LFV", "LGB", "LVS", "LBV", "LSG", "LHG", "LGW", "LNB", "LRW", "WBA", "WDD", "JTD")


def vins(rng: random.Random, n: int) -> list[str]:
    """WMI + 5 descriptor characters + ISO 3779 check + model year + plant + 6-digit serial."""
    out = []
    for _ in range(n):
        vds = "".join(rng.choices(_VIN_ALPHABET, k=5))
        body = rng.choice(_WMIS) + vds + "0" + rng.choice("ABCDEFGHJKLMNPRSTVWXY123456789")
        body += rng.choice(_VIN_ALPHABET) + _digits(rng, 6)
        out.append(body[:8] + vin_digit(body) + body[9:])
    return out


def mac_addresses(rng: random.Random, n: int) -> list[str]:
    """Unicast MACs as 00:1A:2B:3C:4D:5E, a4-5e-60-c2-1b-3f or (one in ten) 001a.2b3c.4d5e."""
    out = []
    for _ in range(n):
        octets = [rng.randrange(0, 256, 2)] + [rng.randrange(256) for _ in range(5)]
        hexes = [f"{o:02x}" for o in octets]
        style = rng.random()
        if style < 0.1:
            joined = "".join(hexes)
            out.append(".".join(joined[i : i + 4] for i in (0, 4, 8)))
        else:
            out.append(":".join(hexes).upper() if style < 0.6 else "-".join(hexes))
    return out


def imeis(rng: random.Random, n: int) -> list[str]:
    """15 digits: an 8-digit type allocation code (35..., 86...), a 6-digit serial, the Luhn digit."""
    out = []
    for _ in range(n):
        body = rng.choice(("35", "86")) + _digits(rng, 12)
        out.append(body + luhn_digit(body))
    return out


def ip_addresses(rng: random.Random, n: int) -> list[str]:
    """IPv4 from screening.synthetic, one in eight an IPv6 address (full or ``::``-compressed)."""
    v4 = _synthetic("ipv4")(rng, n)
    out = []
    for value in v4:
        if rng.random() < 0.125:
            groups = ["2408", f"{rng.randrange(0x8000, 0x9000):x}"] + [f"{rng.randrange(0x10000):x}" for _ in range(6)]
            value = ":".join(groups) if rng.random() < 0.5 else ":".join(groups[:3]) + "::" + groups[7]
        out.append(value)
    return out


def coordinates(rng: random.Random, n: int) -> list[str]:
    """Points in China, six decimals, as "lng,lat" (map APIs) or "lat,lng"."""
    out = []
    for _ in range(n):
        lat, lng = rng.uniform(18.2, 53.5), rng.uniform(73.5, 134.8)
        out.append(f"{lng:.6f},{lat:.6f}" if rng.random() < 0.5 else f"{lat:.6f},{lng:.6f}")
    return out


def birth_dates(rng: random.Random, n: int) -> list[str]:
    """Birth dates 1950-2015 as 1987-05-12, 1987/05/12 or 1987年5月12日."""
    out = []
    for value in synthetic.column("birth_date", n, rng).to_list():
        assert isinstance(value, dt.date)
        style = rng.random()
        out.append(
            value.isoformat()
            if style < 0.7
            else value.strftime("%Y/%m/%d")
            if style < 0.85
            else f"{value.year}年{value.month}月{value.day}日"
        )
    return out


def _words(words: Sequence[str], weights: Sequence[float] | None = None) -> Callable[[random.Random, int], list[str]]:
    return lambda rng, n: rng.choices(list(words), weights=weights, k=n)


_RELIGIONS = ("无宗教信仰", "佛教", "道教", "伊斯兰教", "天主教", "基督教")
_DIAGNOSES = (
    "高血压", "2型糖尿病", "冠心病", "慢性胃炎", "慢性乙型肝炎", "支气管哮喘", "抑郁症", "过敏性鼻炎", "甲状腺功能减退",
    "腰椎间盘突出症", "高脂血症", "脑梗死", "类风湿关节炎", "慢性肾病", "痛风", "焦虑症",
)  # fmt: skip
_MARITAL = ("未婚", "已婚", "离婚", "丧偶", "离异", "再婚")


def bank_accounts(rng: random.Random, n: int) -> list[str]:
    """Bank account numbers (not cards): 12-20 digits, no check digit."""
    return [str(rng.randint(1, 9)) + _digits(rng, rng.choice((11, 14, 15, 16, 18, 19))) for _ in range(n)]


VALUES: dict[str, Callable[[random.Random, int], list[str]]] = {
    "PERSON": _synthetic("person_name"),
    "CN_ID_CARD": _synthetic("id_card"),
    "CN_PHONE": _synthetic("phone"),
    "CN_LANDLINE": landlines,
    "CN_BANK_CARD": _synthetic("bank_card"),
    "CN_USCC": _synthetic("uscc"),
    "CN_ORG_CODE": org_codes,
    "CN_PASSPORT": _synthetic("passport"),
    "CN_HK_MACAO_PERMIT": hk_macao_permits,
    "CN_TAIWAN_PERMIT": taiwan_permits,
    "CN_LICENSE_PLATE": license_plates,
    "CN_VIN": vins,
    "EMAIL_ADDRESS": _synthetic("email"),
    "IP_ADDRESS": ip_addresses,
    "MAC_ADDRESS": mac_addresses,
    "IMEI": imeis,
    "GEO_COORDINATE": coordinates,
    "CN_ADDRESS": _synthetic("address"),
    "ORGANIZATION": _synthetic("company"),
    "DATE_OF_BIRTH": birth_dates,
    "GENDER": _synthetic("gender"),
    "ETHNICITY": _synthetic("ethnicity"),
    "RELIGION": _words(_RELIGIONS, (60, 15, 5, 8, 4, 8)),
    "HEALTH": _words(_DIAGNOSES),
    "MARITAL_STATUS": _words(_MARITAL, (30, 50, 6, 4, 6, 4)),
    "BANK_ACCOUNT": bank_accounts,
}

# --- hard negatives -------------------------------------------------------------------------------------


def epoch_ms(rng: random.Random, n: int) -> list[str]:
    """13-digit Unix timestamps in milliseconds, 2015-01-01 to 2026-11-21."""
    return [str(rng.randint(1_420_070_400_000, 1_795_219_200_000)) for _ in range(n)]


def ean13s(rng: random.Random, n: int) -> list[str]:
    """EAN-13 product codes on a Chinese GS1 prefix (690-699), valid check digit."""
    out = []
    for _ in range(n):
        body = "69" + _digits(rng, 10)
        out.append(body + ean13_digit(body))
    return out


def luhn_failing_serials(rng: random.Random, n: int) -> list[str]:
    """19-digit serial numbers that start like a UnionPay card (62) and never pass Luhn."""
    out = []
    for _ in range(n):
        body = "62" + _digits(rng, 16)
        good = luhn_digit(body)
        out.append(body + str((int(good) + rng.randint(1, 9)) % 10))
    return out


def uscc_bad_checks(rng: random.Random, n: int) -> list[str]:
    """Valid USCCs from screening.synthetic with the final GB 32100 check character replaced."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = []
    for code in _synthetic("uscc")(rng, n):
        wrong = rng.choice([c for c in alphabet if c != code[-1]])
        out.append(code[:-1] + wrong)
    return out


def versions(rng: random.Random, n: int) -> list[str]:
    """Version strings a.b.c.d: app builds (8.0.47.2400), browser builds (120.0.6099.109) and small ones
    (2.1.0.3) that are also well-formed IPv4 addresses."""
    out = []
    for _ in range(n):
        style = rng.random()
        if style < 0.4:
            out.append(f"{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 60)}.{rng.randint(1000, 9999)}")
        elif style < 0.6:
            out.append(f"{rng.randint(100, 131)}.0.{rng.randint(5000, 6999)}.{rng.randint(0, 250)}")
        else:
            out.append(f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}")
    return out


NEGATIVES: dict[str, Callable[[random.Random, int], list[str]]] = {
    "order_no": _synthetic("order_no"),
    "epoch_ms": epoch_ms,
    "ean13": ean13s,
    "serial_no_luhn": luhn_failing_serials,
    "uscc_bad_check": uscc_bad_checks,
    "version": versions,
    "address_type": _words(("家庭", "公司", "学校", "单位", "其他")),
    "phone_model": _words(
        (
            "iPhone 15 Pro",
            "iPhone 13",
            "HUAWEI Mate 60 Pro",
            "HUAWEI nova 12",
            "Xiaomi 14",
            "Redmi K70",
            "OPPO Reno11",
            "vivo X100",
            "荣耀 Magic6",
            "一加 12",
        )
    ),  # fmt: skip
    "company_type": _words(
        ("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "国有企业", "外商独资企业", "个体工商户")
    ),
    "id_type": _words(
        ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证")
    ),
}

# --- already masked (display conventions) ---------------------------------------------------------------


def _masked(entity: str) -> Callable[[random.Random, int], list[str]]:
    def make(rng: random.Random, n: int) -> list[str]:
        raw = VALUES[entity](rng, n)
        if entity == "CN_PHONE":
            return [v[:3] + "****" + v[7:] for v in raw]
        if entity == "CN_ID_CARD":
            return [v[:6] + "********" + v[14:] for v in raw]
        if entity == "CN_BANK_CARD":
            return [v[:6] + "*" * (len(v) - 10) + v[-4:] for v in raw]
        if entity == "PERSON":
            return [
                ("欧阳" if v.startswith("欧阳") else v[0]) + "*" * (len(v) - (2 if v.startswith("欧阳") else 1))
                for v in raw
            ]
        raise ValueError(f"no masked form for {entity}")

    return make


# ---------------------------------------------------------------------------------------------------------
# Column makers: values plus per-cell truth.


def pure(entity: str) -> Maker:
    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        return list(VALUES[entity](rng, n)), [(entity,)] * n

    return make


def negative(kind: str) -> Maker:
    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        return list(NEGATIVES[kind](rng, n)), [()] * n

    return make


def masked(entity: str) -> Maker:
    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        return list(_masked(entity)(rng, n)), [(entity,)] * n

    return make


def mixture(weights: Mapping[str, float]) -> Maker:
    """Each cell holds one of several entities, drawn in proportion to ``weights``."""

    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        pools = {e: VALUES[e](rng, n) for e in weights}
        picks = rng.choices(list(weights), weights=list(weights.values()), k=n)
        return [pools[e][i] for i, e in enumerate(picks)], [(e,) for e in picks]

    return make


_FILLERS = ("无", "同上", "-", "暂无", "待补充", "见附件", "不详")


def sparse(entity: str, share: float) -> Maker:
    """About ``share`` of the cells hold the entity; the others a short non-personal note (无, 同上 ...)."""

    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        pool = VALUES[entity](rng, n)
        hit = [rng.random() < share for _ in range(n)]
        values: Values = [pool[i] if h else rng.choice(_FILLERS) for i, h in enumerate(hit)]
        return values, [(entity,) if h else () for h in hit]

    return make


def with_blanks(maker: Maker, share: float) -> Maker:
    """Empty about ``share`` of the cells (null in Parquet, an empty field in CSV)."""

    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        values, cells = maker(rng, n)
        blank = [rng.random() < share for _ in range(n)]
        return [None if b else v for v, b in zip(values, blank, strict=True)], [
            () if b else c for c, b in zip(cells, blank, strict=True)
        ]

    return make


def empty() -> Maker:
    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        return [None] * n, [()] * n

    return make


# Free text: templates with labelled slots. A slot names an entity (its value is that entity) or a hard
# negative (its value is no entity). The weights make about half of the notes personal.
_TEXTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("客户{}来电咨询，手机{}", ("PERSON", "CN_PHONE"), 3),
    ("联系人{}，电话{}，工作日白天不方便接听", ("PERSON", "CN_PHONE"), 2),
    ("收件人电话{}，送货前请提前联系", ("CN_PHONE",), 2),
    ("办理实名认证，身份证号{}已核验通过", ("CN_ID_CARD",), 2),
    ("地址变更为{}", ("CN_ADDRESS",), 2),
    ("客户要求改寄至{}，周末可收货", ("CN_ADDRESS",), 2),
    ("发票开具后请发送至邮箱{}", ("EMAIL_ADDRESS",), 2),
    ("退款已原路退回至银行卡{}", ("CN_BANK_CARD",), 2),
    ("发票抬头：{}，请核对税号后开具", ("ORGANIZATION",), 2),
    ("订单{}已发货，请留意物流信息", ("order_no",), 2),
    ("商品条码{}缺货，已为客户登记到货提醒", ("ean13",), 2),
    ("设备序列号{}已登记保修", ("serial_no_luhn",), 2),
    ("客户端版本{}存在闪退问题，已反馈技术部门", ("version",), 1),
    ("客户要求周末送货上门，工作日家中无人", (), 4),
    ("商品已签收，客户对服务表示满意", (), 4),
    ("系统自动备注：第{}次催付提醒，请及时跟进", ("small_int",), 2),
    ("客户手机尾号{}，身份已核实", ("tail4",), 2),
)


def _fill(slot: str, rng: random.Random) -> str:
    if slot == "small_int":
        return str(rng.randint(1, 5))
    if slot == "tail4":
        return _digits(rng, 4)
    pool = VALUES.get(slot) or NEGATIVES[slot]
    return pool(rng, 1)[0]


def free_text() -> Maker:
    def make(rng: random.Random, n: int) -> tuple[Values, Cells]:
        values: Values = []
        cells: Cells = []
        for _ in range(n):
            text, slots, _ = rng.choices(_TEXTS, weights=[w for _, _, w in _TEXTS])[0]
            values.append(text.format(*(_fill(s, rng) for s in slots)))
            cells.append(tuple(dict.fromkeys(s for s in slots if s in VALUES)))
        return values, cells

    return make


# ---------------------------------------------------------------------------------------------------------
# The tables.


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    style: Style
    make: Maker = field(compare=False, repr=False)
    hard_negative: str | None = None
    """Kind of hard negative or decoy (a key of NEGATIVES); None for a column whose values hold entities."""
    masked: bool = False
    free_text: bool = False
    int64: bool = False
    """Parquet only: store the values as int64 (an ID-like number must still be found)."""
    note: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    format: Literal["csv", "parquet"]
    encoding: Literal["utf-8", "utf-8-sig", "gbk"] = "utf-8"
    columns: tuple[ColumnSpec, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.format}"


def _styled(style: Style, entities: Sequence[str], negatives: Sequence[str] = ()) -> list[ColumnSpec]:
    """One column per entity and one per hard negative / decoy, headed in ``style``."""
    i = STYLES.index(style)
    cols = [ColumnSpec(HEADERS[e][i], style, pure(e)) for e in entities]
    for kind in negatives:
        header = (HARD_NEGATIVE_HEADERS | DECOY_HEADERS)[kind][i]
        cols.append(ColumnSpec(header, style, negative(kind), hard_negative=kind))
    return cols


_PERSONAL = (
    "PERSON", "CN_ID_CARD", "CN_PHONE", "EMAIL_ADDRESS", "CN_ADDRESS", "CN_BANK_CARD", "ORGANIZATION", "GENDER",
    "ETHNICITY", "DATE_OF_BIRTH", "MARITAL_STATUS", "RELIGION", "HEALTH", "CN_PASSPORT", "CN_HK_MACAO_PERMIT",
    "CN_TAIWAN_PERMIT",
)  # fmt: skip
_ENTERPRISE_DEVICES = (
    "CN_USCC", "CN_ORG_CODE", "CN_LANDLINE", "BANK_ACCOUNT", "CN_LICENSE_PLATE", "CN_VIN", "IP_ADDRESS",
    "MAC_ADDRESS", "IMEI", "GEO_COORDINATE",
)  # fmt: skip
_ALL_NEGATIVES = tuple(HARD_NEGATIVE_HEADERS) + tuple(DECOY_HEADERS)


def _opaque_columns() -> tuple[ColumnSpec, ...]:
    """Every entity and every hard negative under col_1 ... col_N, in a fixed shuffled order."""
    specs: list[tuple[Maker, str | None]] = [(pure(e), None) for e in HEADERS]
    specs += [(negative(k), k) for k in HARD_NEGATIVE_HEADERS]
    random.Random("opaque column order").shuffle(specs)
    return tuple(ColumnSpec(f"col_{i}", "opaque", m, hard_negative=k) for i, (m, k) in enumerate(specs, 1))


def tables() -> tuple[TableSpec, ...]:
    """The labelled set's layout: table names, formats, encodings, column headers and what they hold."""
    english = [
        ColumnSpec(c.name, c.style, c.make, c.hard_negative, int64=c.name in ("mobile", "created_at_ms", "barcode"))
        for c in _styled("en", tuple(HEADERS), _ALL_NEGATIVES)
    ]
    return (
        TableSpec(
            "zh_personal",
            "csv",
            "utf-8",
            (
                *_styled("zh", _PERSONAL, ("order_no", "epoch_ms", "address_type", "phone_model", "id_type")),
                ColumnSpec("备注", "zh", free_text(), free_text=True),
            ),
        ),
        TableSpec(
            "zh_enterprise_devices_gbk",
            "csv",
            "gbk",
            tuple(
                _styled(
                    "zh", _ENTERPRISE_DEVICES, ("uscc_bad_check", "ean13", "serial_no_luhn", "version", "company_type")
                )
            ),
        ),
        TableSpec("pinyin_register_gbk", "csv", "gbk", tuple(_styled("pinyin", tuple(HEADERS), _ALL_NEGATIVES))),
        TableSpec(
            "initials_register_bom", "csv", "utf-8-sig", tuple(_styled("initials", tuple(HEADERS), _ALL_NEGATIVES))
        ),
        TableSpec(
            "english_users",
            "parquet",
            columns=(*english, ColumnSpec("notes", "en", free_text(), free_text=True)),
        ),
        TableSpec("opaque_columns", "csv", "utf-8", _opaque_columns()),
        TableSpec(
            "mixed_sparse_masked",
            "csv",
            "utf-8",
            (
                ColumnSpec(
                    "证件号码", "zh", mixture({"CN_ID_CARD": 7, "CN_PASSPORT": 3}), note="ID number or passport"
                ),
                ColumnSpec("联系电话", "zh", mixture({"CN_PHONE": 6, "CN_LANDLINE": 4}), note="mobile or landline"),
                ColumnSpec("联系方式", "zh", mixture({"CN_PHONE": 5, "EMAIL_ADDRESS": 5}), note="mobile or e-mail"),
                ColumnSpec("col_mix", "opaque", mixture({"CN_ID_CARD": 6, "CN_BANK_CARD": 4}), note="ID or card"),
                ColumnSpec("备用联系人手机", "zh", sparse("CN_PHONE", 0.15), note="15% mobiles, rest 无/同上/-"),
                ColumnSpec("col_sparse", "opaque", sparse("EMAIL_ADDRESS", 0.10), note="10% e-mails"),
                ColumnSpec("紧急联系人身份证号", "zh", with_blanks(pure("CN_ID_CARD"), 0.5), note="half empty"),
                ColumnSpec("email_optional", "en", with_blanks(pure("EMAIL_ADDRESS"), 0.3), note="30% empty"),
                ColumnSpec("手机号_脱敏", "zh", masked("CN_PHONE"), masked=True, note="138****5678"),
                ColumnSpec("身份证号_脱敏", "zh", masked("CN_ID_CARD"), masked=True, note="first 6 + last 4"),
                ColumnSpec("银行卡号_脱敏", "zh", masked("CN_BANK_CARD"), masked=True, note="first 6 + last 4"),
                ColumnSpec("姓名_脱敏", "zh", masked("PERSON"), masked=True, note="surname kept: 张*"),
                ColumnSpec("备用身份证号", "zh", empty(), note="every cell empty"),
                ColumnSpec("col_blank_ids", "opaque", with_blanks(pure("CN_ID_CARD"), 0.7), note="70% empty"),
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Writing and reading.


def generate(spec: TableSpec, rows: int, seed: int) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The table's data and its column labels; each column has its own random stream (seed, table, header)."""
    data: dict[str, pl.Series] = {}
    labels: list[dict[str, Any]] = []
    for col in spec.columns:
        values, cells = col.make(random.Random(f"{seed}:{spec.name}:{col.name}"), rows)
        series = pl.Series(col.name, values, dtype=pl.String)
        if col.int64 and spec.format == "parquet":
            series = series.cast(pl.Int64)
        data[col.name] = series
        entities = sorted({e for c in cells for e in c})
        labels.append(
            {
                "name": col.name,
                "style": col.style,
                "entities": entities,
                "hard_negative": col.hard_negative,
                "masked": col.masked,
                "free_text": col.free_text,
                "int64": col.int64 and spec.format == "parquet",
                "note": col.note,
                "cells": [None if not c else c[0] if len(c) == 1 else list(c) for c in cells],
            }
        )
    return pl.DataFrame(list(data.values())), labels


def write_table(spec: TableSpec, frame: pl.DataFrame, path: Path) -> None:
    if spec.format == "parquet":
        frame.write_parquet(path)
        return
    text = frame.write_csv()
    if spec.encoding == "gbk":
        path.write_bytes(text.encode("gbk"))  # strict: every synthetic value is in GBK
    else:
        path.write_bytes(text.encode(spec.encoding))


def write_set(out_dir: Path, seed: int = 0, rows: int = 2000) -> list[Path]:
    """Write every table and its ``NAME.labels.json`` to ``out_dir``; return the label files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in tables():
        frame, columns = generate(spec, rows, seed)
        data_path = out_dir / spec.file_name
        write_table(spec, frame, data_path)
        label_path = out_dir / f"{spec.name}.labels.json"
        label = {
            "table": spec.name,
            "file": spec.file_name,
            "format": spec.format,
            "encoding": spec.encoding if spec.format == "csv" else None,
            "rows": rows,
            "seed": seed,
            "columns": columns,
        }
        label_path.write_text(_dumps(label), encoding="utf-8")
        written.append(label_path)
    return written


def _dumps(label: dict[str, Any]) -> str:
    """JSON with one line per column (a column's cells on that line), so the file stays readable."""
    head = json.dumps({k: v for k, v in label.items() if k != "columns"}, ensure_ascii=False)[:-1]
    cols = ",\n  ".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in label["columns"])
    return f'{head}, "columns": [\n  {cols}\n]}}\n'


def read_labels(path: Path) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return labels


def cell_entities(cell: str | list[str] | None) -> frozenset[str]:
    """A label's cell item as a set of entity names."""
    if cell is None:
        return frozenset()
    return frozenset([cell]) if isinstance(cell, str) else frozenset(cell)


def expected(column: Mapping[str, Any], header_required: Mapping[str, bool]) -> frozenset[str]:
    """The entities a column should be reported as: its values' entities, minus those that need their header
    (``header_required[entity]``) when the header is opaque."""
    keep = {e for e in column["entities"] if not (column["style"] == "opaque" and header_required.get(e, False))}
    return frozenset(keep)
