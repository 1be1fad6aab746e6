"""CN_ADDRESS: Chinese postal address (地址/住址).

An administrative division (a province from ``data/provinces.txt`` such as 北京 广东, or a name
ending in 省 自治区 市 区 县 旗 盟 镇 乡 街道 …) followed by a detail word (路 街 道 巷 弄 号 室 村 组 楼 栋
单元 小区 …) and optional trailing numbers (``1号楼2单元301``). Words such as 在 住 的 cannot start the
division, so in prose ``我家住在北京市…`` the match starts at 北京. The mask keeps the text up to the
district or county (``DIVISION_SUFFIXES``).

The repetitions are unbounded on purpose: bounded repeats of a large Han class (``{0,40}``) blow up
Rust's automata, and one alternation with the organisation pattern cost 10x the whole identifier set.
A backtracking engine is quadratic on long prose with such a pattern, so the scalar validator checks
the length first, and free text is left to the NER model.
"""

from __future__ import annotations

import polars as pl

from recognizers import Recognizer
from recognizers._common import (
    HAN,
    PINYIN_NEGATIVE_HEADERS,
    alternation,
    evaluated_once,
    fullmatch_expr,
    fullmatcher,
    han_class,
    load_words,
)

PROVINCES = load_words("provinces.txt")
DIVISION_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "街道",
    "省", "市", "区", "县", "旗", "盟", "镇", "乡",
)  # fmt: skip
DETAIL_WORDS = (
    "大道", "大街", "小区", "单元", "胡同", "公寓", "大厦", "花园", "社区", "新村", "路", "街", "道", "巷",
    "弄", "号", "室", "村", "组", "楼", "栋", "幢", "座", "苑", "里",
)  # fmt: skip

# Characters that start or glue prose rather than a place name ("我家住在…", "位于…").
_NOT_A_PLACE = "的了是在住我你他她它们这到往与及为址"  # not 于 和 向 那: 于洪区 和平区 向阳区 那曲市
_PLACE = han_class(exclude=_NOT_A_PLACE)
_DIVISION = f"(?:{alternation(PROVINCES)}|{_PLACE}+?{alternation(DIVISION_SUFFIXES)})"
_BODY = f"[{HAN}0-9A-Za-z#-]*"
PATTERN = f"{_DIVISION}{_BODY}{alternation(DETAIL_WORDS)}[0-9A-Za-z#-]{{0,10}}"

_MAX_LEN = 120
_is_address = fullmatcher(PATTERN)


def validate(s: str) -> bool:
    return len(s) <= _MAX_LEN and _is_address(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return ((e.str.len_chars() <= _MAX_LEN) & fullmatch_expr(e, PATTERN)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="CN_ADDRESS",
    pattern=PATTERN,
    kind="vocabulary",
    priority=85,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "地址", "住址", "家庭住址", "家庭地址", "联系地址", "通讯地址", "通信地址", "居住地址", "居住地",
        "现住址", "户籍地址", "户籍所在地", "详细地址", "收货地址", "收件地址", "住所", "工作地址",
        "单位地址", "注册地址", "dizhi", "zhuzhi", "jiatingzhuzhi", "dz", "jtzz", "jtdz", "lxdz",
        "txdz", "jzdz", "hjdz", "xxdz", "shdz", "xzz", "address", "addr", "home_address", "residence",
        "residential_address", "contact_address", "mailing_address", "shipping_address", "delivery_address",
        "street", "street_address", "detail_address",
    ),
    negative_headers=PINYIN_NEGATIVE_HEADERS + (
        "类型", "类别", "数量", "状态", "是否", "编码", "代码", "邮编", "邮政编码", "经度", "纬度", "坐标",
        "网址", "链接", "邮箱", "ip", "mac", "钱包", "服务器", "合约", "type", "count", "status", "flag",
        "code", "zip", "postcode", "postal", "lng", "lat", "longitude", "latitude", "coord", "url", "link",
        "web", "email", "mail", "wallet", "server", "host", "contract",
    ),
    masked_pattern=r"^[一-鿿][一-鿿0-9A-Za-z#-]+\*{3,}$",
    mask={"style": "address"},
    context=("地址", "住址", "住在", "家住", "位于", "收货", "户籍", "address"),
    score=0.3,
    examples_valid=(
        "北京市海淀区中关村大街27号",
        "广东省深圳市南山区科技园路1号2栋301室",
        "浙江省杭州市西湖区文三路90号",
        "上海浦东新区世纪大道100号",
        "四川省成都市武侯区人民南路四段12号",
        "内蒙古自治区呼和浩特市新城区新华大街1号",
        "江苏省南京市玄武区某某小区3幢2单元501",
        "河北省保定市某某县某某镇某某村3组",
        "和平区南京路1号",
        "沈阳市于洪区某某街道某某社区5栋",
    ),
    examples_invalid=(
        "北京",  # a division without detail
        "海淀区",
        "中关村大街27号",  # detail without a division
        "地址类型",
        "我在市场买菜",
        "Beijing Haidian",
    ),
)  # fmt: skip
