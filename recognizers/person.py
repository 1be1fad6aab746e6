"""PERSON: Chinese personal name (姓名) in a name column.

A surname from ``data/surnames.txt`` (single, or compound such as 欧阳 司马 诸葛) followed by one or two Han
characters. Compound surnames are listed before single ones, so leftmost-first matching reads 欧阳娜娜 as
欧阳 + 娜娜. The pattern is meant for whole cells (the column path anchors it); unanchored it still finds
something in most Chinese prose, which is why names in free text are left to the NER model.

Validation rejects a given name containing a particle, pronoun or address/organisation character
(张的, 王市), which no real name has. Minority names written with a middle dot (阿卜杜·热合曼) and
names in traditional characters are not covered.
"""

from __future__ import annotations

import re

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

SURNAMES = load_words("surnames.txt")
COMPOUND_SURNAMES = tuple(s for s in SURNAMES if len(s) == 2)
PATTERN = f"{alternation(SURNAMES)}[{HAN}]{{1,2}}"
_COMPOUND_NAME = f"{alternation(COMPOUND_SURNAMES)}[{HAN}]{{1,2}}"
# Characters that do not occur in given names: particles, pronouns, measure and address/organisation words.
_NOT_IN_GIVEN_NAME = (
    "[的了是在和与及或等我你他她它们这那个吗呢吧啊也就都说要会对从把被让给向到为以于之其而但并还又很不没"
    "省市区县镇乡村路街号室楼栋司局厂店]"
)

# Common words that begin with a surname character (单位 = 单 + 位, 家庭, 常住): values of 地址类型 or 关系 columns.
NOT_A_NAME = (
    "单位|家庭|家里|户籍|居住|常住|暂住|工作|办公|宿舍|门店|仓库|其他|未知|本人|配偶|父亲|母亲|子女|儿子|女儿|"
    "朋友|同事|同学|亲属|经理|老师|医生|护士|师傅|先生|女士|小姐|老板|客户|用户|员工|会员|游客|司机|学生|"
    "商户|个人|企业|公共|临时|长期|正常|有效|无效|通过|拒绝|成功|失败|全部|部分|高级|中级|初级|上级|下级"
)
_is_name = fullmatcher(PATTERN)
_is_compound = fullmatcher(_COMPOUND_NAME)
_bad_given = re.compile(_NOT_IN_GIVEN_NAME)
_is_word = fullmatcher(NOT_A_NAME)


def given_name(s: str) -> str:
    """The part after the surname (a compound surname counts whole when the rest still fits)."""
    return s[2:] if _is_compound(s) else s[1:]


def validate(s: str) -> bool:
    return _is_name(s) and _bad_given.search(given_name(s)) is None and not _is_word(s)


# ``validate`` as one regex: a surname, then one or two Han characters none of which is in _NOT_IN_GIVEN_NAME.
# Equivalent to testing the given name after the surname: where a compound surname fits, the given name read
# after its first character holds the same characters and one more, so it passes only if the short one does.
_GIVEN = han_class(exclude=_NOT_IN_GIVEN_NAME.strip("[]"))
_VALID_NAME = (
    f"(?:{alternation(COMPOUND_SURNAMES)}){_GIVEN}{{1,2}}"
    f"|(?:{alternation(s for s in SURNAMES if len(s) == 1)}){_GIVEN}{{1,2}}"
)
_WORDS = NOT_A_NAME.split("|")


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (fullmatch_expr(e, _VALID_NAME) & ~e.is_in(_WORDS)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="PERSON",
    pattern=PATTERN,
    kind="vocabulary",
    priority=90,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "姓名", "名字", "真实姓名", "客户姓名", "用户姓名", "员工姓名", "患者姓名", "学生姓名", "联系人",
        "联系人姓名", "收货人", "收件人", "户主", "持卡人", "开户人", "申请人", "法定代表人", "法人代表",
        "负责人", "经办人", "xingming", "mingzi", "lianxiren", "xm", "khxm", "yhxm", "lxr", "shr", "fddbr",
        "frdb", "name", "full_name", "fullname", "real_name", "realname", "person_name", "customer_name",
        "cust_name", "client_name", "contact_name", "receiver", "recipient", "holder_name",
        "card_holder", "legal_representative", "patient_name", "employee_name", "student_name",
    ),
    negative_headers=PINYIN_NEGATIVE_HEADERS + (
        "类型", "数量", "状态", "是否", "公司", "企业", "单位", "机构", "组织", "银行", "医院", "学校",
        "部门", "产品", "商品", "文件", "用户名", "昵称", "网名", "账号", "地名", "路名", "品牌", "项目",
        "店铺", "字段", "拼音", "英文", "type", "count", "status", "flag", "company", "corp", "enterprise",
        "org", "bank", "hospital", "school", "dept", "department", "product", "goods", "item", "file",
        "user_name", "username", "nickname", "nick", "login", "account", "place", "street", "brand",
        "project", "shop", "store", "field", "column", "table", "host", "domain", "pinyin",
    ),
    masked_pattern=r"^[一-鿿]{1,2}\*{1,3}$",
    mask={"style": "name"},
    context=("姓名", "名字", "联系人", "先生", "女士", "本人", "name"),
    score=0.3,
    examples_valid=(
        "张三",
        "王小明",
        "李娜",
        "欧阳娜娜",
        "司马光",
        "诸葛亮",
        "上官婉儿",
        "赵子龙",
    ),
    examples_invalid=(
        "张",  # surname alone
        "欧阳娜娜娜",  # too long
        "某某某",  # no surname
        "张的",  # particle in the given name
        "单位",  # a common word that begins with a surname character
        "家庭",
        "王市区",
        "Zhang San",
        "张三1",
    ),
)  # fmt: skip
