"""ORGANIZATION: name of a company, institution or public body (公司/单位名称).

Name characters (Han, Latin letters, digits, brackets as in 华为技术(深圳)有限公司) ending in an organisation
word: 有限公司 股份有限公司 集团 银行 医院 大学 学院 学校 研究所 局 委员会 事务所 合作社 中心 …, and up to two
further name + word parts (某某银行股份有限公司北京分行). The name part is lazy, so in prose the match ends at
the first organisation word; words such as 在 是 的 cannot be part of it, so ``他在北京大学读书`` gives
北京大学. Whole cells are matched by the column path; the validator caps the length at 60.

Repetitions are unbounded for the same reason as in cn_address (bounded repeats of a Han class are
expensive for Rust's automata); the scalar validator checks the length before matching.
"""

from __future__ import annotations

import polars as pl

from recognizers import Recognizer
from recognizers._common import (
    PINYIN_NEGATIVE_HEADERS,
    alternation,
    evaluated_once,
    fullmatch_expr,
    fullmatcher,
    han_class,
)

SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "控股", "银行", "支行", "分行",
    "信用社", "医院", "卫生院", "诊所", "大学", "学院", "学校", "中学", "小学", "幼儿园", "研究所", "研究院",
    "设计院", "委员会", "事务所", "合作社", "基金会", "协会", "商会", "中心", "法院", "检察院", "局", "厅",
    "署", "办公室", "工作室", "厂", "商行", "门市部", "经营部", "店",
)  # fmt: skip
_NAME_CHAR = han_class(exclude="的了是在我你他她它们这到往与及", extra="A-Za-z0-9()")
_SUFFIX = alternation(SUFFIXES)
PATTERN = f"{_NAME_CHAR}+?{_SUFFIX}(?:{_NAME_CHAR}*?{_SUFFIX}){{0,2}}"

_MAX_LEN = 60
# A legal form alone (有限责任公司, 股份有限公司, 个人独资企业: the values of a 公司类型 column) names no organisation.
LEGAL_FORM_ONLY = (
    "(?:股份|有限|无限|责任|独资|合资|合作|合伙|普通|特殊|国有|集体|私营|民营|外商|外资|中外|港澳台|个人|个体|"
    "全民|所有制|企业|公司|集团|分|总|工商户|经营|非法人|法人|联营|其他)+"
)
_is_org = fullmatcher(PATTERN)
_is_legal_form = fullmatcher(LEGAL_FORM_ONLY)


def validate(s: str) -> bool:
    return len(s) <= _MAX_LEN and _is_org(s) and not _is_legal_form(s)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    return (
        (e.str.len_chars() <= _MAX_LEN) & fullmatch_expr(e, PATTERN) & ~fullmatch_expr(e, LEGAL_FORM_ONLY)
    ).fill_null(False)


RECOGNIZER = Recognizer(
    entity="ORGANIZATION",
    pattern=PATTERN,
    kind="vocabulary",
    priority=80,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "公司", "公司名称", "企业", "企业名称", "单位", "单位名称", "工作单位", "所在单位", "机构",
        "机构名称", "组织", "组织名称", "雇主", "开户行", "开户银行", "银行名称", "医院", "医院名称", "学校",
        "毕业院校", "就读学校", "客户名称", "gongsi", "gongsimingcheng", "qiye", "danwei", "gongzuodanwei",
        "jigou", "gsmc", "qymc", "dwmc", "gzdw", "jgmc", "khh", "yhmc", "yymc", "xxmc", "byyx", "company",
        "company_name", "corp", "corporation", "enterprise", "employer", "organization", "organisation",
        "org", "org_name", "institution", "workplace", "school", "hospital", "bank_name", "merchant",
        "merchant_name",
    ),
    negative_headers=PINYIN_NEGATIVE_HEADERS + (
        "类型", "类别", "性质", "规模", "数量", "状态", "是否", "代码", "编号", "地址", "电话", "邮箱",
        "行业", "法人", "联系人", "人数", "logo", "type", "category", "nature", "scale", "size", "count",
        "status", "flag", "code", "_id", "address", "phone", "tel", "email", "industry", "contact",
        "employees",
    ),
    masked_pattern=r"^[一-鿿A-Za-z0-9()]*\*{2,}[一-鿿]+$",
    mask={"style": "head_tail", "keep_head": 2, "keep_tail": 4},
    context=("公司", "单位", "企业", "机构", "任职", "就职", "供职", "company"),
    score=0.3,
    examples_valid=(
        "北京某某科技有限公司",
        "中国某某银行股份有限公司",
        "华为技术(深圳)有限公司",
        "浙江大学",
        "上海市第一人民医院",
        "杭州市西湖区人民法院",
        "某某会计师事务所",
        "某某县农民专业合作社",
        "ABC咨询(上海)有限公司",
        "中国某某银行股份有限公司北京分行",
    ),
    examples_invalid=(
        "公司",  # suffix alone
        "张三",
        "有限",
        "Acme Inc.",
        "北京某某科技有限公司的",  # trailing words
        "有限责任公司",  # a legal form, not a name (公司类型 columns)
        "股份有限公司",
        "个人独资企业",
        "外商独资企业",
    ),
)  # fmt: skip
