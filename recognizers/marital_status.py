"""MARITAL_STATUS: marital status (婚姻状况, 婚史), sensitive personal information in GB/T 35273-2020 表B.1.

The GB/T 2261.2-2003 names (未婚 已婚 初婚 再婚 复婚 丧偶 离婚 未说明的婚姻状况 [M]), their everyday variants
(离异, 单身, 已婚已育 as HR forms write it) and the English words decide a column on their own. The codes of
GB/T 2261.2 (10 未婚, 20 已婚, 21 初婚, 22 再婚, 23 复婚, 30 丧偶, 40 离婚, 90 未说明的婚姻状况 [M]), the bare
未说明 / 未知 / 不详 / 其他 and "single" count only under a header that names the entity
(``header_only_pattern``).
"""

from __future__ import annotations

from recognizers import Recognizer
from recognizers._common import closed_vocabulary

DECISIVE = (
    "未婚", "已婚", "初婚", "再婚", "复婚", "离婚", "离异", "丧偶", "未说明的婚姻状况", "已离婚", "有配偶",
    "无配偶", "单身", "分居", "已婚已育", "已婚未育", "未婚未育", "married", "Married", "MARRIED", "unmarried",
    "Unmarried", "divorced", "Divorced", "DIVORCED", "widowed", "Widowed", "WIDOWED",
)  # fmt: skip
CODES = ("10", "20", "21", "22", "23", "30", "40", "90")
HEADER_ONLY = ("未说明", "未知", "不详", "其他", "single", "Single", "SINGLE") + CODES


RECOGNIZER = Recognizer(
    entity="MARITAL_STATUS",
    **closed_vocabulary(DECISIVE, HEADER_ONLY),
    kind="vocabulary",
    priority=82,
    headers=(
        "婚姻状况", "婚姻状态", "婚姻情况", "婚姻", "婚否", "婚史", "婚育状况", "婚育情况", "hunyin",
        "hunyinzhuangkuang", "hyzk", "hyzt", "hyqk", "marital", "marital_status", "maritalstatus", "marriage",
        "marriage_status",
    ),
    negative_headers=(
        "登记", "日期", "时间", "介绍", "人数", "数量", "比例", "统计", "法", "date", "time", "count", "ratio",
        "rate", "agency",
    ),
    masked_pattern=r"^\*{1,9}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 0},
    context=("婚姻", "婚否", "已婚", "未婚", "marital"),
    score=0.3,
    examples_valid=(
        "未婚", "已婚", "离异", "丧偶", "再婚", "已婚已育", "Married", "divorced", "20", "未说明", "single",
    ),
    examples_invalid=("婚", "结婚", "未婚妻", "已婚人士", "11", "100", "Marriage"),
)  # fmt: skip
