"""ETHNICITY: 民族, one of China's 56 ethnic groups, in a categorical column.

The names come from ``data/ethnicities.txt`` (GB/T 3304 order). ``汉族``, ``维吾尔族`` and every other form with
族 decide a column on their own, and so do the bare multi-character names that mean nothing else (维吾尔,
土家, 哈尼). The bare forms that are ordinary words or other things count only under a header that names the
entity (``header_only_pattern``): the one-character names (汉 回 藏 苗 白 水 土 京 …, which ID cards print without
族), country names (蒙古 朝鲜 俄罗斯), 高山 and 保安 (a security guard), and the GB/T 3304 codes 01-56, 97, 98.

Also decisive: the GB/T 3304 entries outside the 56 (外国血统中国籍人士, code 98 [S]; 其他未识别民族 [M]),
穿青人 (an unrecognised group printed on Guizhou ID cards [M]), and the former names 崩龙族 (德昂族 since 1985)
and 毛难族 (毛南族 since 1986) [M]. 其他 / 其它 (code 97 [S]), 未识别, 不详 count only under the header.
"""

from __future__ import annotations

from recognizers import Recognizer
from recognizers._common import closed_vocabulary, load_words

ETHNICITIES = load_words("ethnicities.txt")
"""The 56 names with 族, in GB/T 3304 code order (汉族 = 01)."""
BARE = tuple(name.removesuffix("族") for name in ETHNICITIES)
_AMBIGUOUS_BARE = frozenset(
    {"蒙古", "朝鲜", "俄罗斯", "高山", "保安", "东乡", "布朗", "哈萨克", "塔吉克", "乌孜别克", "塔塔尔"}
)
EXTRA = ("外国血统中国籍人士", "外国血统", "其他未识别民族", "未识别民族", "穿青人", "崩龙族", "毛难族")
DECISIVE = ETHNICITIES + EXTRA + tuple(b for b in BARE if len(b) > 1 and b not in _AMBIGUOUS_BARE)
CODES = tuple(f"{i:02d}" for i in range(1, 57)) + ("97", "98")
HEADER_ONLY = tuple(b for b in BARE if len(b) == 1 or b in _AMBIGUOUS_BARE) + ("其他", "其它", "未识别", "不详") + CODES


RECOGNIZER = Recognizer(
    entity="ETHNICITY",
    **closed_vocabulary(DECISIVE, HEADER_ONLY),
    kind="vocabulary",
    priority=82,
    headers=(
        "民族", "民族名称", "民族代码", "民族成分", "族别", "minzu", "mz", "mzdm", "mzmc", "ethnicity",
        "ethnic", "ethnic_group", "ethnicity_code", "nation", "nation_name",
    ),
    negative_headers=(
        "国籍", "比例", "占比", "分布", "统计", "人数", "数量", "大学", "学院", "学校", "乐器", "舞蹈", "服饰",
        "政策", "地区", "自治", "national", "country", "ratio", "share", "distribution", "count",
    ),
    masked_pattern=r"^\*{1,9}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 0},
    context=("民族", "族别", "ethnicity"),
    score=0.3,
    examples_valid=(
        "汉族", "维吾尔族", "蒙古族", "朝鲜族", "基诺族", "土家", "维吾尔", "穿青人", "外国血统中国籍人士",
        "汉", "回", "蒙古", "01",
    ),
    examples_invalid=("汉人", "汉族人", "族", "中华民族", "99", "57", "汉族汉族"),
)  # fmt: skip
