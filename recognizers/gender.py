"""GENDER: a person's sex or gender (性别) in a categorical column.

The words decide a column on their own: 男 女 男性 女性, the GB/T 2261.1-2003 names 未知的性别 and 未说明的性别,
and male / female. The GB/T 2261.1 codes (0 未知的性别, 1 男性, 2 女性, 9 未说明的性别 [M]), the letters M / F and
the bare words 未知 / 未说明 / 不详 are far too generic (flags, counters, sizes): they count only under a header
that names the entity (``header_only_pattern``), so a ``性别`` column of 1/2 is found and a ``col_7`` of 1/2 is
not. Ratios and counts of the sexes (性别比例, gender_ratio) are not personal data: negative header words.
"""

from __future__ import annotations

from recognizers import Recognizer
from recognizers._common import closed_vocabulary

DECISIVE = (
    "男", "女", "男性", "女性", "未知的性别", "未说明的性别",
    "male", "Male", "MALE", "female", "Female", "FEMALE",
)  # fmt: skip
HEADER_ONLY = ("0", "1", "2", "9", "M", "F", "m", "f", "未知", "未说明", "不详")


RECOGNIZER = Recognizer(
    entity="GENDER",
    **closed_vocabulary(DECISIVE, HEADER_ONLY),
    kind="vocabulary",
    priority=81,
    headers=(
        "性别", "性别代码", "性别名称", "xingbie", "xb", "xbdm", "xbmc", "gender", "sex", "gender_code",
        "sex_code",
    ),
    negative_headers=(
        "比例", "比率", "占比", "分布", "统计", "人数", "数量", "要求", "限制", "偏好", "ratio", "rate", "percent",
        "pct", "share", "distribution", "stat", "count", "requirement", "preference",
    ),
    masked_pattern=r"^\*{1,6}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 0},
    context=("性别", "男性", "女性", "gender", "sex"),
    score=0.3,
    examples_valid=("男", "女", "男性", "女性", "未知的性别", "male", "Female", "1", "2", "M", "未知"),
    examples_invalid=(
        "男女",
        "男生",
        "女士们",
        "3",
        "12",
        "Man",
        "0.5",
    ),
)  # fmt: skip
