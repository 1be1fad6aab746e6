"""RELIGION: religious belief (宗教信仰) in a categorical column, sensitive personal information (个人信息保护法
第二十八条).

The names of religions and their branches (佛教 道教 伊斯兰教 天主教 基督教 东正教 …), statements of no belief
(无宗教信仰, 不信教) and their English forms decide a column on their own. 无, 其他, 不详, none, other are the
usual fillers of any categorical column: they count only under a header that names the entity
(``header_only_pattern``).
"""

from __future__ import annotations

from recognizers import Recognizer
from recognizers._common import closed_vocabulary

DECISIVE = (
    "佛教", "藏传佛教", "汉传佛教", "南传佛教", "上座部佛教", "喇嘛教", "道教", "伊斯兰教", "回教", "天主教",
    "基督教", "基督新教", "新教", "东正教", "犹太教", "印度教", "锡克教", "萨满教", "摩门教", "巴哈伊教",
    "民间信仰", "其他宗教", "无宗教信仰", "无宗教", "不信教", "不信仰宗教", "无信仰", "无神论",
    "Buddhism", "Buddhist", "Taoism", "Taoist", "Daoism", "Islam", "Muslim", "Catholicism", "Catholic",
    "Christianity", "Christian", "Protestantism", "Protestant", "Orthodox", "Eastern Orthodox", "Judaism",
    "Jewish", "Hinduism", "Hindu", "Atheism", "Atheist", "Agnostic",
)  # fmt: skip
HEADER_ONLY = ("无", "其他", "其它", "不详", "未知", "none", "None", "NONE", "other", "Other", "OTHER")


RECOGNIZER = Recognizer(
    entity="RELIGION",
    **closed_vocabulary(DECISIVE, HEADER_ONLY),
    kind="vocabulary",
    priority=83,
    headers=(
        "宗教", "宗教信仰", "宗教信仰情况", "宗教情况", "信仰", "信教情况", "zongjiao", "zongjiaoxinyang", "zjxy",
        "religion", "religious", "religion_name", "faith",
    ),
    negative_headers=(
        "场所", "活动", "团体", "组织", "事务", "局", "政治", "人数", "数量", "比例", "统计", "place", "venue",
        "org", "count", "ratio", "politic",
    ),
    masked_pattern=r"^\*{1,16}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 0},
    context=("宗教", "信仰", "信教", "religion"),
    score=0.3,
    examples_valid=("佛教", "伊斯兰教", "基督教", "天主教", "无宗教信仰", "Buddhism", "Christian", "无", "其他"),
    examples_invalid=("佛", "教", "宗教", "佛教徒", "christianity", "无无"),
)  # fmt: skip
