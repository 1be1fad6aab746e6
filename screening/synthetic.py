"""Deterministic synthetic Chinese personal data for samples, tests and benchmarks.

Every value is made up; identifiers carry valid check digits so that recognizers see realistic input:

- 居民身份证号 (GB 11643): real county code + birth date 1950-2015 + sequence + MOD 11-2 check. The
  county code existed in the birth year, so python-stdnum's ``cn.ric.is_valid`` accepts every number.
- 统一社会信用代码 (GB 32100): department + category + county code + a GB 11714 organisation code (with its
  own check character) + MOD 31 check.
- UnionPay bank card: a ``62`` BIN, 16 or 19 digits, Luhn check.
- 订单号 (hard negative): 18 digits that start with a county code and a date, like an ID number, but whose
  last digit never passes MOD 11-2.

Two ways in: one value per call (``id_card(rng)``, ``phone(rng)``, ...), or a whole column at once
(``column("id_card", n, rng)``), which is what ``table`` and ``iter_table`` use. Both take a
``random.Random``.
Columns are built from byte matrices and polars string expressions, never a Python loop per row, so a
million rows of twelve columns take a few seconds.

Random numbers come from PCG64's raw 64-bit output reduced by this module (not numpy's ``Generator``
methods, whose streams numpy may change between versions), so a seed gives the same data on any numpy.
Synthetic phone numbers and e-mail addresses are random and may by chance match a real one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = [
    "BANK_BINS",
    "DEFAULT_COLUMNS",
    "ETHNICITIES",
    "KINDS",
    "REGIONS",
    "TODAY",
    "address",
    "amount",
    "bank_card",
    "birth_date",
    "column",
    "company",
    "date",
    "email",
    "ethnicity",
    "gender",
    "id_card",
    "ipv4",
    "iter_table",
    "masked_phone",
    "order_no",
    "passport",
    "person_name",
    "phone",
    "remark",
    "table",
    "uscc",
]

TODAY = dt.date(2026, 11, 21)
"""Reference date for ages (an ID holder born after 2012-11-21 is under 14) and the latest order date."""

# ---------------------------------------------------------------------------------------------------------
# Reference data. Place names and bank names are public facts, not personal data.

REGIONS: tuple[tuple[str, int, str, str, str], ...] = (
    # GB/T 2260 county code, first year the code was in use (0 = before 1950), province, city, district.
    # Years follow python-stdnum's cn/loc.dat, so an ID never carries a code that did not exist at birth.
    ("110101", 0, "北京市", "北京市", "东城区"),
    ("110105", 0, "北京市", "北京市", "朝阳区"),
    ("110107", 0, "北京市", "北京市", "石景山区"),
    ("110108", 0, "北京市", "北京市", "海淀区"),
    ("120101", 0, "天津市", "天津市", "和平区"),
    ("120102", 0, "天津市", "天津市", "河东区"),
    ("310104", 0, "上海市", "上海市", "徐汇区"),
    ("310106", 0, "上海市", "上海市", "静安区"),
    ("310115", 1992, "上海市", "上海市", "浦东新区"),
    ("500103", 1997, "重庆市", "重庆市", "渝中区"),
    ("130102", 1983, "河北省", "石家庄市", "长安区"),
    ("140105", 1997, "山西省", "太原市", "小店区"),
    ("150102", 1983, "内蒙古自治区", "呼和浩特市", "新城区"),
    ("152201", 0, "内蒙古自治区", "兴安盟", "乌兰浩特市"),
    ("210102", 1983, "辽宁省", "沈阳市", "和平区"),
    ("210202", 1983, "辽宁省", "大连市", "中山区"),
    ("220102", 1983, "吉林省", "长春市", "南关区"),
    ("222402", 0, "吉林省", "延边朝鲜族自治州", "图们市"),
    ("230103", 1983, "黑龙江省", "哈尔滨市", "南岗区"),
    ("320102", 1983, "江苏省", "南京市", "玄武区"),
    ("320106", 1983, "江苏省", "南京市", "鼓楼区"),
    ("320211", 1983, "江苏省", "无锡市", "滨湖区"),
    ("320505", 2000, "江苏省", "苏州市", "虎丘区"),
    ("330102", 1983, "浙江省", "杭州市", "上城区"),
    ("330106", 1983, "浙江省", "杭州市", "西湖区"),
    ("330108", 1996, "浙江省", "杭州市", "滨江区"),
    ("330110", 2001, "浙江省", "杭州市", "余杭区"),
    ("330122", 0, "浙江省", "杭州市", "桐庐县"),
    ("330206", 1985, "浙江省", "宁波市", "北仑区"),
    ("330302", 1983, "浙江省", "温州市", "鹿城区"),
    ("340104", 1983, "安徽省", "合肥市", "蜀山区"),
    ("350102", 1983, "福建省", "福州市", "鼓楼区"),
    ("350203", 1983, "福建省", "厦门市", "思明区"),
    ("360102", 1983, "江西省", "南昌市", "东湖区"),
    ("370102", 1983, "山东省", "济南市", "历下区"),
    ("370212", 1988, "山东省", "青岛市", "崂山区"),
    ("371002", 1987, "山东省", "威海市", "环翠区"),
    ("410105", 1983, "河南省", "郑州市", "金水区"),
    ("420106", 1983, "湖北省", "武汉市", "武昌区"),
    ("420111", 1983, "湖北省", "武汉市", "洪山区"),
    ("430104", 1983, "湖南省", "长沙市", "岳麓区"),
    ("440104", 1983, "广东省", "广州市", "越秀区"),
    ("440106", 1985, "广东省", "广州市", "天河区"),
    ("440304", 1983, "广东省", "深圳市", "福田区"),
    ("440305", 1983, "广东省", "深圳市", "南山区"),
    ("440604", 2002, "广东省", "佛山市", "禅城区"),
    ("450103", 1983, "广西壮族自治区", "南宁市", "青秀区"),
    ("460106", 2002, "海南省", "海口市", "龙华区"),
    ("510104", 1990, "四川省", "成都市", "锦江区"),
    ("510107", 1990, "四川省", "成都市", "武侯区"),
    ("510321", 0, "四川省", "自贡市", "荣县"),
    ("520102", 1983, "贵州省", "贵阳市", "南明区"),
    ("522701", 0, "贵州省", "黔南布依族苗族自治州", "都匀市"),
    ("530102", 1983, "云南省", "昆明市", "五华区"),
    ("532501", 0, "云南省", "红河哈尼族彝族自治州", "个旧市"),
    ("540102", 1983, "西藏自治区", "拉萨市", "城关区"),
    ("610104", 1983, "陕西省", "西安市", "莲湖区"),
    ("610113", 1983, "陕西省", "西安市", "雁塔区"),
    ("610326", 0, "陕西省", "宝鸡市", "眉县"),
    ("620102", 1983, "甘肃省", "兰州市", "城关区"),
    ("620123", 0, "甘肃省", "兰州市", "榆中县"),
    ("630102", 1983, "青海省", "西宁市", "城东区"),
    ("640104", 2002, "宁夏回族自治区", "银川市", "兴庆区"),
    ("650102", 1983, "新疆维吾尔自治区", "乌鲁木齐市", "天山区"),
    ("652801", 0, "新疆维吾尔自治区", "巴音郭楞蒙古自治州", "库尔勒市"),
)

BANK_BINS: dict[str, tuple[str, int]] = {
    # UnionPay BIN -> (issuing bank, card length)
    "622202": ("中国工商银行", 19),
    "621226": ("中国工商银行", 19),
    "622848": ("中国农业银行", 19),
    "621700": ("中国建设银行", 19),
    "621661": ("中国银行", 19),
    "622262": ("交通银行", 19),
    "621799": ("中国邮政储蓄银行", 19),
    "622588": ("招商银行", 16),
    "621483": ("招商银行", 16),
    "622690": ("中信银行", 16),
    "622521": ("上海浦东发展银行", 16),
    "622908": ("兴业银行", 19),
}

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "慕容", "令狐", "长孙", "公孙", "夏侯",
)  # fmt: skip
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚辉华鑫宇浩婷雪琳晨欣怡佳子梓涵轩博文思雨嘉俊建国志海秀英兰玉桂"
    "春红梅燕萍凤云成斌鹏飞宁丹波亮林颖倩璐昊然睿泽一诺铭宏晓小慧淑珍荣新永德家天金玲悦瑶媛楠帆凯乐"
)
_PINYIN_SURNAMES = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng",
    "cao", "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "jiang", "cai", "du", "ye", "cheng", "su",
    "wei", "lu", "ding", "shen", "yao",
)  # fmt: skip
_PINYIN_GIVEN = (
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "juan",
    "tao", "ming", "chao", "xia", "ping", "gang", "hui", "hua", "xin", "yu", "hao", "ting", "xue", "lin",
    "chen", "yi", "jia", "zi", "han", "xuan", "bo", "wen", "si", "guo", "zhi", "hai", "xiu", "ying", "lan",
    "peng", "fei", "ning", "dan", "liang",
)  # fmt: skip
_MAIL_DOMAINS = (
    ("qq.com", 30), ("163.com", 22), ("126.com", 10), ("sina.com", 5), ("foxmail.com", 5),
    ("139.com", 4), ("gmail.com", 5), ("outlook.com", 5), ("yeah.net", 3), ("sohu.com", 3),
    ("aliyun.com", 3), ("hotmail.com", 5),
)  # fmt: skip
_ROADS = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "黄河路", "文化路", "胜利路",
    "朝阳路", "青年路", "光明路", "友谊路", "学院路", "工业路", "花园路", "幸福路", "东风路", "团结路",
    "滨江大道", "世纪大道", "人民大道", "体育场路", "府前街", "北大街", "南大街", "东关街", "西湖大道",
    "科技路", "创业路",
)  # fmt: skip
_COMMUNITIES = (
    "阳光花园", "锦绣家园", "翠苑小区", "金色家园", "幸福里", "东方名苑", "滨江花城", "绿城公寓", "华府小区",
    "书香门第", "紫荆花园", "碧水云天", "新村", "星河湾", "和谐家园", "丽景苑",
)  # fmt: skip
_BRAND = "华信远航博瑞恒达天成鼎盛永泰宏图金辉中科新锐创联云海星辰智汇祥和嘉禾润丰安泰卓越凯旋腾飞东方明德"
_INDUSTRIES = (
    "科技", "网络科技", "信息技术", "贸易", "电子商务", "餐饮管理", "物流", "建筑工程", "文化传媒", "医药",
    "生物科技", "教育咨询", "供应链管理", "实业", "商贸", "软件开发", "健康管理", "新能源",
)  # fmt: skip
_COMPANY_SUFFIXES = (("有限公司", 80), ("股份有限公司", 10), ("有限责任公司", 10))

ETHNICITIES: tuple[str, ...] = (
    "汉族", "壮族", "回族", "满族", "维吾尔族", "苗族", "彝族", "土家族", "藏族", "蒙古族", "侗族", "布依族",
    "瑶族", "白族", "朝鲜族", "哈尼族", "黎族", "哈萨克族", "傣族", "畲族", "傈僳族", "东乡族", "仡佬族",
    "拉祜族", "佤族", "水族", "纳西族", "羌族", "土族", "仫佬族", "锡伯族", "柯尔克孜族", "景颇族",
    "达斡尔族", "撒拉族", "布朗族", "毛南族", "塔吉克族", "普米族", "阿昌族", "怒族", "鄂温克族", "京族",
    "基诺族", "德昂族", "保安族", "俄罗斯族", "裕固族", "乌孜别克族", "门巴族", "鄂伦春族", "独龙族",
    "赫哲族", "高山族", "珞巴族", "塔塔尔族",
)  # fmt: skip
# Rough population shares in per mille (汉族 about 91%); the rarest groups share what is left.
_ETHNICITY_WEIGHTS = (912, 14, 8, 7, 8, 8, 7, 7, 5, 5, 2, 2, 2, 1.5, 1.3, 1.2, 1.1, 1.1) + (0.3,) * 38

_MOBILE_PREFIXES = tuple(
    str(p)
    for p in (*range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 172, 173)
    + (175, 176, 177, 178, *range(180, 192), 193, 195, 196, 197, 198, 199)
)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_PREFIXES = (("91", 70), ("92", 12), ("93", 3), ("12", 6), ("11", 3), ("52", 4), ("53", 2))
_PASSPORT_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # second letter of E-series passports: no I, O

# ---------------------------------------------------------------------------------------------------------
# Random arrays and byte-matrix helpers.


class _Draw:
    """Random arrays from one ``random.Random``: PCG64 raw words reduced here, stable across numpy."""

    def __init__(self, rng: random.Random) -> None:
        self._bits = np.random.PCG64(rng.getrandbits(128))

    def ints(self, n: int, low: int, high: int) -> np.ndarray:
        """n integers in [low, high); the modulo bias is below 2**-32 for the ranges used here."""
        raw = self._bits.random_raw(n)
        return (raw % np.uint64(high - low)).astype(np.int64) + low

    def floats(self, n: int) -> np.ndarray:
        """n floats in [0, 1)."""
        return (self._bits.random_raw(n) >> np.uint64(11)).astype(np.float64) * 2.0**-53

    def pick(self, n: int, weights: Sequence[float]) -> np.ndarray:
        """n indices into ``weights``, drawn in proportion to them."""
        cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
        return np.searchsorted(cumulative, self.floats(n) * cumulative[-1], side="right")

    def digits(self, n: int, width: int) -> np.ndarray:
        """An n x width matrix of decimal digits (uint8: these matrices are large)."""
        return (self._bits.random_raw(n * width) % np.uint64(10)).astype(np.uint8).reshape(n, width)


def _int_digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, one row per value."""
    return ((values[:, None] // 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)) % 10).astype(np.uint8)


def _strings(codes: np.ndarray, start: np.ndarray | None = None) -> pl.Series:
    """ASCII byte matrix -> string Series; row i is ``codes[i, start[i]:]`` (all of it without ``start``)."""
    n, width = codes.shape
    codes = codes.astype(np.uint8)
    if start is None:
        data, lengths = codes.reshape(-1), np.full(n, width, dtype=np.int64)
    else:
        data, lengths = codes[np.arange(width) >= start[:, None]], width - start.astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))
    return pl.Series(array)


def _choose(draw: _Draw, n: int, values: Sequence[str], weights: Sequence[float] | None = None) -> pl.Series:
    """n values drawn from a list (uniformly without weights)."""
    index = draw.ints(n, 0, len(values)) if weights is None else draw.pick(n, weights)
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _frame(**columns: pl.Series | np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(columns)


_ASCII_ZERO = ord("0")
_RIC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_RIC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_USCC_CODES = np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)
_USCC_VALUE = np.zeros(256, dtype=np.int64)  # ASCII code -> position in the GB 32100 alphabet
_USCC_VALUE[_USCC_CODES] = np.arange(len(_USCC_ALPHABET))
_ORG_VALUE = np.zeros(256, dtype=np.int64)  # ASCII code -> GB 11714 value: 0-9, A=10 ... Z=35
_ORG_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_ORG_VALUE[np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)] = np.arange(10, 36)


def _ric_check(body: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (ASCII codes) for an n x 17 digit matrix."""
    return _RIC_CHECK[(body @ _RIC_WEIGHTS) % 11]


def _luhn_check(body: np.ndarray) -> np.ndarray:
    """Luhn check digits (0-9) for a digit matrix whose numbers are right-aligned (left padding is 0)."""
    reversed_ = body[:, ::-1].astype(np.int64)
    doubled = reversed_[:, ::2] * 2  # the rightmost digit of the body is doubled
    total = (doubled - 9 * (doubled > 9)).sum(axis=1) + reversed_[:, 1::2].sum(axis=1)
    return (10 - total % 10) % 10


def _org_check(codes: np.ndarray) -> np.ndarray:
    """GB 11714 check characters (ASCII) for an n x 8 matrix of organisation-code characters."""
    check = 11 - (_ORG_VALUE[codes] @ _ORG_WEIGHTS) % 11  # 1..11; 10 is written X and 11 is written 0
    return np.where(check == 10, ord("X"), np.where(check == 11, _ASCII_ZERO, _ASCII_ZERO + check))


def _uscc_check(codes: np.ndarray) -> np.ndarray:
    """GB 32100 check characters (ASCII) for an n x 17 matrix of USCC characters."""
    return _USCC_CODES[(31 - (_USCC_VALUE[codes] @ _USCC_WEIGHTS) % 31) % 31]


def _days(draw: _Draw, n: int, first: dt.date, last: dt.date) -> np.ndarray:
    """n dates in [first, last] as numpy datetime64[D]."""
    span = (last - first).days + 1
    return np.datetime64(first.isoformat(), "D") + draw.ints(n, 0, span).astype("timedelta64[D]")


def _ymd(days: np.ndarray) -> np.ndarray:
    """datetime64[D] -> n x 8 YYYYMMDD digit matrix."""
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = days.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (days - month_start).astype(np.int64) + 1
    return _int_digits(year * 10_000 + month * 100 + day, 8)


_REGION_DIGITS = np.array([[int(c) for c in region[0]] for region in REGIONS], dtype=np.uint8)
_REGION_BY_YEAR = np.argsort([region[1] for region in REGIONS], kind="stable")
_REGION_FROM = np.array([REGIONS[i][1] for i in _REGION_BY_YEAR])


def _regions_for(draw: _Draw, years: np.ndarray) -> np.ndarray:
    """A region index per row, among the regions whose code already existed in that row's year."""
    eligible = np.searchsorted(_REGION_FROM, years, side="right")
    return _REGION_BY_YEAR[(draw.floats(years.size) * eligible).astype(np.int64)]


# ---------------------------------------------------------------------------------------------------------
# Column generators: (draw, n) -> Series of n values.

_BIRTH_FIRST, _BIRTH_LAST = dt.date(1950, 1, 1), dt.date(2015, 12, 31)
_ORDER_FIRST = dt.date(2019, 1, 1)


def _id_body(draw: _Draw, n: int) -> np.ndarray:
    """n x 17 digits: county code valid in the birth year, birth date 1950-2015, sequence 001-999."""
    births = _days(draw, n, _BIRTH_FIRST, _BIRTH_LAST)
    years = births.astype("datetime64[Y]").astype(np.int64) + 1970
    regions = _REGION_DIGITS[_regions_for(draw, years)]
    return np.hstack([regions, _ymd(births), _int_digits(draw.ints(n, 1, 1000), 3)])


def _id_cards(draw: _Draw, n: int) -> pl.Series:
    body = _id_body(draw, n)
    return _strings(np.hstack([body + _ASCII_ZERO, _ric_check(body)[:, None]]))


def _order_nos(draw: _Draw, n: int) -> pl.Series:
    # Half are ID-shaped to the last digit (birth-range date, 3-digit sequence); half carry an order date
    # and a 4-digit counter. The final digit is never the MOD 11-2 check character.
    id_shaped = _id_body(draw, n)
    order_dates = _ymd(_days(draw, n, _ORDER_FIRST, TODAY))
    regions = _REGION_DIGITS[draw.ints(n, 0, len(REGIONS))]
    order_shaped = np.hstack([regions, order_dates, draw.digits(n, 3)])
    body = np.where((draw.ints(n, 0, 2) == 0)[:, None], id_shaped, order_shaped)
    check = _ric_check(body).astype(np.int64) - _ASCII_ZERO  # 0-9, or 40 for X (any digit fails then)
    last = draw.ints(n, 0, 10)
    last = np.where(last == check, (last + draw.ints(n, 1, 10)) % 10, last)
    return _strings(np.hstack([body, last[:, None]]) + _ASCII_ZERO)


_PREFIX_DIGITS = np.array([[int(c) for c in p] for p in _MOBILE_PREFIXES], dtype=np.uint8)


def _phones(draw: _Draw, n: int) -> pl.Series:
    prefixes = _PREFIX_DIGITS[draw.ints(n, 0, len(_PREFIX_DIGITS))]
    return _strings(np.hstack([prefixes, draw.digits(n, 8)]) + _ASCII_ZERO)


def _masked_phones(draw: _Draw, n: int) -> pl.Series:
    """Already-masked display form 138****5678 (前3后4)."""
    phones = _phones(draw, n)
    return phones.str.slice(0, 3) + "****" + phones.str.slice(7, 4)


def _bank_cards(draw: _Draw, n: int) -> pl.Series:
    bins = list(BANK_BINS)
    which = draw.ints(n, 0, len(bins))
    lengths = np.array([BANK_BINS[b][1] for b in bins])[which]
    start = 19 - lengths  # numbers are right-aligned in a 19-wide matrix, left padding 0 is Luhn-neutral
    body = draw.digits(n, 18)
    columns = np.arange(18)
    body[columns < start[:, None]] = 0
    bin_digits = np.array([[int(c) for c in b] for b in bins])[which]
    for offset in range(6):
        body[np.arange(n), start + offset] = bin_digits[:, offset]
    return _strings(np.hstack([body, _luhn_check(body)[:, None]]) + _ASCII_ZERO, start)


def _usccs(draw: _Draw, n: int) -> pl.Series:
    prefix_codes = np.array([list(p.encode()) for p, _ in _USCC_PREFIXES], dtype=np.uint8)
    prefixes = prefix_codes[draw.pick(n, [w for _, w in _USCC_PREFIXES])]
    regions = _REGION_DIGITS[draw.ints(n, 0, len(REGIONS))] + _ASCII_ZERO
    # Organisation code: 8 digits (pre-2015 style), or "MA" + 6 characters (codes issued with the USCC).
    org = draw.digits(n, 8) + _ASCII_ZERO
    new_style = (draw.ints(n, 0, 2) == 1) & (prefixes[:, 0] == ord("9"))  # MA codes: market regulation only
    tail = _USCC_CODES[draw.ints(n * 6, 0, len(_USCC_ALPHABET)).reshape(n, 6)]
    org[new_style] = np.hstack([np.full((n, 2), list(b"MA")), tail])[new_style]
    body = np.hstack([prefixes, regions, org, _org_check(org)[:, None]])
    return _strings(np.hstack([body, _uscc_check(body)[:, None]]))


def _person_names(draw: _Draw, n: int) -> pl.Series:
    frame = _frame(
        single=_choose(draw, n, _SURNAMES, [1 / (rank + 4) for rank in range(len(_SURNAMES))]),
        compound=_choose(draw, n, _COMPOUND_SURNAMES),
        is_compound=draw.floats(n) < 0.02,
        first=_choose(draw, n, _GIVEN),
        second=_choose(draw, n, _GIVEN),
        one_char=draw.floats(n) < 0.3,
    )
    surname = pl.when("is_compound").then("compound").otherwise("single")
    given = pl.when("one_char").then("first").otherwise(pl.concat_str("first", "second"))
    return frame.select(pl.concat_str(surname, given)).to_series()


def _emails(draw: _Draw, n: int) -> pl.Series:
    frame = _frame(
        style=draw.ints(n, 0, 5),
        surname=_choose(draw, n, _PINYIN_SURNAMES),
        given=_choose(draw, n, _PINYIN_GIVEN),
        year=pl.Series(draw.ints(n, 1960, 2010)).cast(pl.String),
        number=pl.Series(draw.ints(n, 1, 1000)).cast(pl.String),
        qq=pl.Series(draw.ints(n, 10_000, 3_000_000_000)).cast(pl.String),
        domain=_choose(draw, n, [d for d, _ in _MAIL_DOMAINS], [w for _, w in _MAIL_DOMAINS]),
    )
    style, s, g = pl.col("style"), pl.col("surname"), pl.col("given")
    local = (
        pl.when(style == 0).then(pl.concat_str(s, g, pl.col("number")))  # zhangwei88
        .when(style == 1).then(pl.concat_str(g, pl.lit("."), s))  # wei.zhang
        .when(style == 2).then(pl.concat_str(s.str.slice(0, 1), g.str.slice(0, 1), pl.col("year")))  # zw1987
        .when(style == 3).then(pl.concat_str(s, pl.lit("_"), g, pl.col("year").str.slice(2)))  # zhang_wei87
        .otherwise(pl.col("qq"))  # 123456789
    )  # fmt: skip
    domain = pl.when(style == 4).then(pl.lit("qq.com")).otherwise(pl.col("domain"))
    return frame.select(pl.concat_str(local, pl.lit("@"), domain)).to_series()


def _ipv4s(draw: _Draw, n: int) -> pl.Series:
    octets = draw.ints(n * 4, 0, 256).reshape(n, 4)
    kind = draw.pick(n, [30, 15, 5, 50])  # 192.168/16, 10/8, 172.16/12, public-looking
    public_first = np.array([o for o in range(1, 224) if o not in (10, 127, 172, 192)])
    octets[:, 0] = np.choose(kind, [192, 10, 172, public_first[octets[:, 0] % public_first.size]])
    octets[kind == 0, 1] = 168
    octets[kind == 2, 1] = 16 + octets[kind == 2, 1] % 16
    octets[:, 3] = 1 + octets[:, 3] % 254
    parts = [pl.Series(octets[:, i]).cast(pl.String) for i in range(4)]
    return (
        _frame(a=parts[0], b=parts[1], c=parts[2], d=parts[3])
        .select(pl.concat_str("a", "b", "c", "d", separator="."))
        .to_series()
    )


def _addresses(draw: _Draw, n: int) -> pl.Series:
    region = draw.ints(n, 0, len(REGIONS))
    # Municipalities: 北京市东城区..., not 北京市北京市东城区...
    places = [p + ("" if c == p else c) + d for _, _, p, c, d in REGIONS]
    place = pl.Series(places, dtype=pl.String).gather(region)
    frame = _frame(
        place=place,
        road=_choose(draw, n, _ROADS),
        number=pl.Series(draw.ints(n, 1, 1000)).cast(pl.String),
        community=_choose(draw, n, _COMMUNITIES),
        building=pl.Series(draw.ints(n, 1, 31)).cast(pl.String),
        unit=_choose(draw, n, ("栋", "幢", "号楼")),
        floor=pl.Series(draw.ints(n, 1, 33)).cast(pl.String),
        room=pl.Series(draw.ints(n, 1, 9)).cast(pl.String).str.zfill(2),
        with_community=draw.floats(n) < 0.5,
    )
    street = pl.concat_str("place", "road", "number", pl.lit("号"))
    flat = pl.concat_str("building", "unit", "floor", "room", pl.lit("室"))
    return frame.select(
        pl.when("with_community")
        .then(pl.concat_str(street, "community", flat))
        .otherwise(pl.concat_str(street, "floor", "room", pl.lit("室")))
    ).to_series()


def _companies(draw: _Draw, n: int) -> pl.Series:
    cities = sorted({c.removesuffix("市") for _, _, _, c, _ in REGIONS if c.endswith("市")})
    frame = _frame(
        city=_choose(draw, n, cities),
        brand1=_choose(draw, n, _BRAND),
        brand2=_choose(draw, n, _BRAND),
        industry=_choose(draw, n, _INDUSTRIES),
        suffix=_choose(draw, n, [s for s, _ in _COMPANY_SUFFIXES], [w for _, w in _COMPANY_SUFFIXES]),
    )
    return frame.select(pl.concat_str("city", "brand1", "brand2", "industry", "suffix")).to_series()


def _passports(draw: _Draw, n: int) -> pl.Series:
    # Ordinary passports: E + 8 digits, or (since 2017) E + letter + 7 digits.
    digits = draw.digits(n, 8) + _ASCII_ZERO
    alphabet = np.frombuffer(_PASSPORT_LETTERS.encode(), dtype=np.uint8)
    letters = alphabet[draw.ints(n, 0, alphabet.size)]
    digits[:, 0] = np.where(draw.floats(n) < 0.25, letters, digits[:, 0])
    return _strings(np.hstack([np.full((n, 1), ord("E")), digits]))


def _amounts(draw: _Draw, n: int) -> pl.Series:
    """Log-uniform amounts from 1 to 50,000 yuan, in fen precision."""
    return pl.Series(np.round(np.exp(draw.floats(n) * np.log(50_000)), 2), dtype=pl.Float64)


def _dates(draw: _Draw, n: int) -> pl.Series:
    """Order or transaction dates from 2019-01-01 to TODAY."""
    return pl.Series(_days(draw, n, _ORDER_FIRST, TODAY), dtype=pl.Date)


def _birth_dates(draw: _Draw, n: int) -> pl.Series:
    return pl.Series(_days(draw, n, _BIRTH_FIRST, _BIRTH_LAST), dtype=pl.Date)


def _genders(draw: _Draw, n: int) -> pl.Series:
    return _choose(draw, n, ("男", "女"))


def _ethnicities(draw: _Draw, n: int) -> pl.Series:
    return _choose(draw, n, ETHNICITIES, _ETHNICITY_WEIGHTS)


def _digit_text(width: int) -> Callable[[_Draw, int], pl.Series]:
    def digits(draw: _Draw, n: int) -> pl.Series:
        return _strings(draw.digits(n, width) + _ASCII_ZERO)

    return digits


def _small_ints(draw: _Draw, n: int) -> pl.Series:
    return pl.Series(draw.ints(n, 1, 6)).cast(pl.String)


def _yuan(draw: _Draw, n: int) -> pl.Series:
    return pl.Series(draw.ints(n, 5, 3000)).cast(pl.String)


_Columns = Callable[[_Draw, int], pl.Series]

# Remark templates: format string with {} placeholders, the generators that fill them, weight.
# About half embed personal information; the rest are ordinary notes, some with digit runs that are
# not personal (order numbers that fail MOD 11-2, courier numbers, tail digits, masked phones).
_REMARKS: tuple[tuple[str, tuple[_Columns, ...], int], ...] = (
    ("客户{}来电咨询，手机{}", (_person_names, _phones), 3),
    ("客户{}来电咨询退款进度，已告知三个工作日内到账", (_person_names,), 3),
    ("联系人{}，电话{}，工作日白天不方便接听", (_person_names, _phones), 2),
    ("收件人电话{}，送货前请提前联系", (_phones,), 2),
    ("办理实名认证，身份证号{}已核验通过", (_id_cards,), 2),
    ("{}提交身份证{}申请开通会员", (_person_names, _id_cards), 1),
    ("地址变更为{}", (_addresses,), 2),
    ("客户要求改寄至{}，周末可收货", (_addresses,), 2),
    ("{}的收货地址为{}", (_person_names, _addresses), 1),
    ("发票开具后请发送至邮箱{}", (_emails,), 1),
    ("退款已原路退回至银行卡{}", (_bank_cards,), 1),
    ("{}投诉快递延误，要求赔偿运费", (_person_names,), 1),
    ("客户要求周末送货上门，工作日家中无人", (), 4),
    ("商品已签收，客户对服务表示满意", (), 4),
    ("订单{}已发货，快递单号SF{}", (_order_nos, _digit_text(12)), 2),
    ("已退款{}元，款项退回尾号{}的银行卡", (_yuan, _digit_text(4)), 2),
    ("回访电话{}无人接听，稍后再联系", (_masked_phones,), 2),
    ("系统自动备注：第{}次催付提醒，请及时跟进", (_small_ints,), 2),
    ("客户手机尾号{}，身份已核实", (_digit_text(4),), 2),
    ("VIP客户，优先安排发货，赠送小礼品一份", (), 2),
    ("发票抬头：{}，请核对税号后开具", (_companies,), 2),
)


def _remarks(draw: _Draw, n: int) -> pl.Series:
    template = draw.pick(n, [weight for _, _, weight in _REMARKS])
    parts = []
    for k, (text, fillers, _) in enumerate(_REMARKS):
        rows = np.flatnonzero(template == k)
        if rows.size == 0:
            continue
        values = {f"v{i}": fill(draw, rows.size) for i, fill in enumerate(fillers)}
        filled = (
            pl.DataFrame(values).select(pl.format(text, *map(pl.col, values))).to_series()
            if values
            else pl.repeat(text, rows.size, eager=True)
        )
        parts.append(pl.DataFrame({"row": rows, "text": filled}))
    if not parts:
        return pl.Series([], dtype=pl.String)
    return pl.concat(parts).sort("row")["text"]


_GENERATORS: dict[str, _Columns] = {
    "person_name": _person_names,
    "id_card": _id_cards,
    "phone": _phones,
    "masked_phone": _masked_phones,
    "email": _emails,
    "address": _addresses,
    "bank_card": _bank_cards,
    "company": _companies,
    "uscc": _usccs,
    "ipv4": _ipv4s,
    "passport": _passports,
    "order_no": _order_nos,
    "remark": _remarks,
    "amount": _amounts,
    "date": _dates,
    "birth_date": _birth_dates,
    "gender": _genders,
    "ethnicity": _ethnicities,
}
KINDS: tuple[str, ...] = tuple(_GENERATORS)

DEFAULT_COLUMNS: tuple[str, ...] = (
    "person_name", "id_card", "phone", "email", "address", "bank_card",
    "company", "uscc", "ipv4", "amount", "order_no", "remark",
)  # fmt: skip
"""Twelve columns, one of them free text (``remark``); header = kind."""


def column(kind: str, n: int, rng: random.Random) -> pl.Series:
    """n values of one kind (see ``KINDS``), named after the kind."""
    try:
        generate = _GENERATORS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}") from None
    return generate(_Draw(rng), n).alias(kind)


def iter_table(
    n_rows: int,
    seed: int = 0,
    columns: Sequence[str] | Mapping[str, str] = DEFAULT_COLUMNS,
    chunk_rows: int = 100_000,
) -> Iterator[pl.DataFrame]:
    """A synthetic table in chunks of ``chunk_rows`` rows, so that any size fits in memory.

    ``columns`` is a list of kinds (the header is the kind) or a mapping header -> kind. Each column of each
    chunk has its own seed derived from ``seed``, the chunk number and the header, so dropping a column
    leaves the others unchanged.
    """
    spec = dict(columns) if isinstance(columns, Mapping) else {kind: kind for kind in columns}
    for index, start in enumerate(range(0, max(n_rows, 1), chunk_rows)):  # 0 rows: one empty chunk
        size = min(chunk_rows, n_rows - start)
        yield pl.DataFrame(
            [column(kind, size, random.Random(f"{seed}:{index}:{header}")).alias(header)
             for header, kind in spec.items()]
        )  # fmt: skip


def table(
    n_rows: int,
    seed: int = 0,
    columns: Sequence[str] | Mapping[str, str] = DEFAULT_COLUMNS,
) -> pl.DataFrame:
    """A synthetic table in memory: the chunks of ``iter_table`` concatenated."""
    return pl.concat(iter_table(n_rows, seed, columns), rechunk=True)


# ---------------------------------------------------------------------------------------------------------
# One value at a time.


def _one(kind: str, rng: random.Random) -> Any:
    return _GENERATORS[kind](_Draw(rng), 1)[0]


def id_card(rng: random.Random) -> str:
    """A resident ID number: county code, birth date 1950-2015, sequence (odd = male), MOD 11-2 check."""
    return str(_one("id_card", rng))


def phone(rng: random.Random) -> str:
    """An 11-digit mobile number on a real carrier prefix."""
    return str(_one("phone", rng))


def masked_phone(rng: random.Random) -> str:
    """A mobile number already masked for display: 138****5678."""
    return str(_one("masked_phone", rng))


def bank_card(rng: random.Random) -> str:
    """A UnionPay card number: a 62 BIN from ``BANK_BINS``, 16 or 19 digits, Luhn check."""
    return str(_one("bank_card", rng))


def uscc(rng: random.Random) -> str:
    """A unified social credit code whose characters 9-17 are a valid GB 11714 organisation code."""
    return str(_one("uscc", rng))


def email(rng: random.Random) -> str:
    """An ASCII e-mail address on a common Chinese or international provider."""
    return str(_one("email", rng))


def ipv4(rng: random.Random) -> str:
    """A dotted IPv4 address, about half private (192.168/16, 10/8, 172.16/12)."""
    return str(_one("ipv4", rng))


def passport(rng: random.Random) -> str:
    """An ordinary passport number: E + 8 digits or E + letter + 7 digits."""
    return str(_one("passport", rng))


def person_name(rng: random.Random) -> str:
    """Surname (about 2% compound, such as 欧阳) + one or two given-name characters."""
    return str(_one("person_name", rng))


def address(rng: random.Random) -> str:
    """Province + city + district + road + number (+ community + building) + room."""
    return str(_one("address", rng))


def company(rng: random.Random) -> str:
    """City + brand + industry + 有限公司 (or a variant)."""
    return str(_one("company", rng))


def order_no(rng: random.Random) -> str:
    """An 18-digit order number shaped like an ID number that always fails MOD 11-2 (a hard negative)."""
    return str(_one("order_no", rng))


def remark(rng: random.Random) -> str:
    """A 15-60 character service note; about half embed a name, phone, ID, address, e-mail or card."""
    return str(_one("remark", rng))


def amount(rng: random.Random) -> float:
    """An amount in yuan between 1 and 50,000, two decimals."""
    return float(_one("amount", rng))


def date(rng: random.Random) -> dt.date:
    """An order date between 2019-01-01 and ``TODAY``."""
    value: dt.date = _one("date", rng)
    return value


def birth_date(rng: random.Random) -> dt.date:
    """A birth date between 1950-01-01 and 2015-12-31."""
    value: dt.date = _one("birth_date", rng)
    return value


def gender(rng: random.Random) -> str:
    """男 or 女."""
    return str(_one("gender", rng))


def ethnicity(rng: random.Random) -> str:
    """One of the 56 民族, weighted roughly by population."""
    return str(_one("ethnicity", rng))
