"""HEALTH: a diagnosis, disease, symptom or allergy (诊断, 病史, 过敏史), sensitive personal information; a
medication record (用药记录, GB/T 35273-2020 表A.1 个人健康生理信息) is named by its header, as drug names are not
in the vocabulary.

A cell holds one or more items separated by ``, ， ; ； 、 / +`` or spaces (``高血压, 2型糖尿病``). An item is

* a term from ``data/health_terms.txt`` (高血压 冠心病 乙肝 抑郁症 …), optionally after a qualifier (慢性 急性
  左侧 …);
* or a name made by the suffix rule: Han characters (digits, Latin letters and roman numerals allowed) ending in
  a disease suffix: at least three before 炎 症 癌 病 瘤 疹 疮 (慢性胃炎, 右肺上叶肺癌), at least two before a longer
  one such as 综合征 感染 骨折 结石 衰竭 过敏 (肺部感染, 青霉素过敏). Three, because a given name can end in 炎
  (王文炎 is a PERSON, 鼻窦炎 is listed);
* followed by an optional 术后 / 待查 / 史 and a grade or a note: ``高血压3级``, ``乳腺癌术后``,
  ``高血压(极高危)``;
* or an ICD-10 code (``I10``, ``E11.9``, ``J18.900``), or a filler such as 无 正常 阴性: these count only under a
  header that names the entity (``header_only_pattern``), as product codes and fillers look the same.

The terms decide a column on their own when most cells are terms. Diagnoses inside prose (remarks) are not
searched for: the free-text path looks for identifiers and names only.

The scalar validator splits the cell at the separators and matches each item on its own: the same language as
the whole-cell pattern (an item never contains a separator), but linear in a backtracking engine, where the
whole pattern (an item can be a listed term or a suffix-rule name) would be exponential in the item count.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer, python_pattern
from recognizers._common import alternation, fullmatch_expr, han_class, load_words, words_pattern

TERMS = load_words("health_terms.txt")
QUALIFIERS = (
    "急性", "慢性", "亚急性", "轻度", "中度", "重度", "左侧", "右侧", "双侧", "原发性", "继发性", "先天性",
    "复发性", "反复", "疑似", "陈旧性", "老年性", "小儿", "妊娠期", "多发性",
)  # fmt: skip
SHORT_SUFFIXES = "炎症癌病瘤疹疮"
LONG_SUFFIXES = (
    "综合征", "综合症", "感染", "骨折", "结石", "囊肿", "息肉", "溃疡", "衰竭", "梗死", "梗塞", "结节", "增生",
    "脱位", "贫血", "中毒", "积液", "肿大", "结核", "血栓", "栓塞", "出血", "病变", "功能不全", "功能障碍",
    "过敏", "缺血",
)  # fmt: skip
FILLERS = ("无", "正常", "健康", "良好", "一般", "较差", "不详", "阴性", "阳性", "未见异常", "无异常", "否认")
"""Values of a health column that say nothing on their own (and fill many other columns too)."""

SEPARATORS = "[ ,，;；、/+]+"
_P = han_class(exclude="的了吗呢吧啊我你他她它们", extra="0-9A-Za-zⅠ-Ⅻ")
# The suffix rule before the list, and its longer suffixes first: leftmost-first matching then takes the
# whole of 2型糖尿病伴周围神经病变 in text too, not 2型糖尿病 and a rest.
_NAMED = f"{_P}{_P}+{alternation(LONG_SUFFIXES)}|{_P}{_P}{_P}+[{SHORT_SUFFIXES}]"
_TAIL = "(?:术后|待查|待排|可能|史)?(?:[0-9]+级|[0-9]+期|[ⅠⅡⅢⅣ]+[级期度型]|[(（][^()（）,，;；、/+ ]+[)）])?"
_TERM = f"(?:{_NAMED}|(?:{alternation(QUALIFIERS)})?{alternation(TERMS)}){_TAIL}"
ICD10 = f"{B}[A-Z][0-9]{{2}}(?:\\.[0-9A-Za-z]{{1,8}})?{B}"
"""ICD-10 code, with the extension digits of the Chinese clinical editions (I10.x00x002)."""
_GENERIC_ITEM = f"{ICD10}|{words_pattern(FILLERS)}"
_ITEM = f"{_TERM}|{_GENERIC_ITEM}"
PATTERN = f"(?:{_ITEM})(?:{SEPARATORS}(?:{_ITEM}))*"
HEADER_ONLY_PATTERN = f"(?:{_GENERIC_ITEM})(?:{SEPARATORS}(?:{_GENERIC_ITEM}))*"

_MAX_LEN = 100
_item = re.compile(python_pattern(_ITEM))
_separators = re.compile(SEPARATORS)


def validate(s: str) -> bool:
    return isinstance(s, str) and 0 < len(s) <= _MAX_LEN and all(_item.fullmatch(part) for part in _separators.split(s))


def valid_expr(e: pl.Expr) -> pl.Expr:
    return ((e.str.len_chars() <= _MAX_LEN) & fullmatch_expr(e, PATTERN)).fill_null(False)


RECOGNIZER = Recognizer(
    entity="HEALTH",
    pattern=PATTERN,
    header_only_pattern=HEADER_ONLY_PATTERN,
    kind="vocabulary",
    priority=84,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "诊断", "诊断名称", "诊断结果", "入院诊断", "出院诊断", "门诊诊断", "临床诊断", "主要诊断", "疾病",
        "疾病名称", "病名", "病种", "病情", "病症", "症状", "主诉", "病史", "既往史", "既往病史", "现病史",
        "家族史", "家族病史", "过敏史", "药物过敏", "过敏", "慢性病", "传染病", "健康状况", "健康状态",
        "身体状况", "残疾类别", "用药", "用药记录", "用药史", "用药情况", "yongyao", "zhenduan", "jibing",
        "bingshi", "zdmc", "jbmc", "jws", "gms", "diagnosis", "diagnoses", "diagnosis_name", "disease",
        "disease_name", "illness", "medical_history", "medical_condition", "medication", "medications", "allergy",
        "allergies", "symptom", "symptoms", "icd", "icd10", "icd_code", "icd10_code",
    ),
    negative_headers=(
        "医生", "医师", "护士", "科室", "日期", "时间", "人数", "数量", "次数", "比例", "费用", "金额", "机构",
        "医院", "故障", "设备", "车辆", "系统", "网络", "码", "doctor", "physician", "nurse", "dept",
        "department", "date", "time", "count", "ratio", "fee", "cost", "amount", "hospital", "fault", "device",
        "system", "network", "vehicle", "engine", "_id",
    ),
    masked_pattern=r"^\*{2,100}$",
    mask={"style": "head_tail", "keep_head": 0, "keep_tail": 0},
    context=("诊断", "病史", "患有", "确诊", "过敏", "diagnosis"),
    score=0.3,
    examples_valid=(
        "高血压", "2型糖尿病", "冠心病", "慢性胃炎", "肺炎", "抑郁症", "乙肝", "高血压3级", "乳腺癌术后",
        "高血压(极高危)", "高血压, 2型糖尿病", "右肺上叶肺癌", "急性上呼吸道感染", "青霉素过敏",
        "2型糖尿病伴周围神经病变", "I10", "E11.9", "J18.0,I10", "无",
    ),
    examples_invalid=(
        "炎", "病", "看病", "毛病", "王文炎", "高血", "E1", "I10.", "高血压,", "销售部", "张三",
    ),
)  # fmt: skip
