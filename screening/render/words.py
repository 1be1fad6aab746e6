"""Chinese and English words of the human-readable reports: verdicts, entities, operators, levels."""

from __future__ import annotations

from typing import Any

VERDICT: dict[str, tuple[str, str]] = {
    "clean": ("未发现个人信息", "No personal information found"),
    "personal_information": ("含个人信息", "Contains personal information"),
    "sensitive_personal_information": ("含敏感个人信息", "Contains sensitive personal information"),
}

ENTITY: dict[str, tuple[str, str]] = {
    "CN_ID_CARD": ("居民身份证号", "resident ID number"),
    "CN_PHONE": ("手机号码", "mobile number"),
    "CN_LANDLINE": ("固定电话", "landline number"),
    "CN_BANK_CARD": ("银行卡号", "bank card number"),
    "CN_USCC": ("统一社会信用代码", "unified social credit code"),
    "CN_ORG_CODE": ("组织机构代码", "organisation code"),
    "CN_PASSPORT": ("护照号码", "passport number"),
    "CN_HK_MACAO_PERMIT": ("港澳通行证号", "Hong Kong/Macao permit number"),
    "CN_TAIWAN_PERMIT": ("台湾通行证号", "Taiwan permit number"),
    "CN_LICENSE_PLATE": ("车牌号码", "licence plate"),
    "CN_VIN": ("车辆识别代号", "vehicle identification number"),
    "EMAIL_ADDRESS": ("电子邮件地址", "e-mail address"),
    "IP_ADDRESS": ("IP 地址", "IP address"),
    "MAC_ADDRESS": ("MAC 地址", "MAC address"),
    "IMEI": ("设备识别码 IMEI", "IMEI"),
    "GEO_COORDINATE": ("经纬度", "geographic coordinate"),
    "PERSON": ("姓名", "person name"),
    "CN_ADDRESS": ("地址", "address"),
    "ORGANIZATION": ("机构名称", "organisation name"),
    "DATE_OF_BIRTH": ("出生日期", "date of birth"),
    "GENDER": ("性别", "gender"),
    "ETHNICITY": ("民族", "ethnicity"),
    "RELIGION": ("宗教信仰", "religion"),
    "HEALTH": ("健康信息", "health information"),
    "MARITAL_STATUS": ("婚姻状况", "marital status"),
    "BANK_ACCOUNT": ("银行账户", "bank account"),
}

OPERATOR: dict[str, tuple[str, str]] = {
    "mask": ("掩码（部分遮盖）", "masked (partly hidden)"),
    "redact": ("删除（整列置空）", "removed (column emptied)"),
    "keep": ("保留原值", "kept as is"),
    "pseudonymize": ("假名化（带密钥 HMAC-SHA256 令牌）", "pseudonymised (keyed HMAC-SHA256 token)"),
    "generalize": ("泛化", "generalised"),
    "encrypt": ("加密", "encrypted"),
}

KIND: dict[str, tuple[str, str]] = {
    "structured": ("结构化", "structured"),
    "free_text": ("自由文本", "free text"),
    "empty": ("空列", "empty"),
}

SEVERITY: dict[str, tuple[str, str]] = {
    "critical": ("必须处理", "must fix"),
    "high": ("优先处理", "fix first"),
    "medium": ("需要确认", "to confirm"),
    "info": ("供参考", "for information"),
}


def entity(name: str | None) -> tuple[str, str]:
    if not name:
        return ("未识别", "none found")
    return ENTITY.get(name, (name, name))


def verdict(name: str) -> tuple[str, str]:
    return VERDICT.get(name, (name, name))


def level(report: dict[str, Any], n: int) -> str:
    """The pack's own name of a level (``一般数据3级 (严重危害)``) when the report carries it, else ``第3级``."""
    names = (report.get("rules") or {}).get("levels") or {}
    return str(names.get(str(n)) or f"第{n}级")


def operator(action: dict[str, Any] | None) -> tuple[str, str]:
    """What an action does, in both languages, with its parameters spelt out."""
    if not action:
        return ("无", "none")
    op = action.get("operator", "")
    zh, en = OPERATOR.get(op, (op, op))
    if op == "mask" and action.get("scope") == "spans":
        zh, en = "掩码：只遮盖文本中识别出的个人信息片段", "masked: only the personal information found in the text"
    elif op == "mask" and ("keep_head" in action or "keep_tail" in action):
        h, t = action.get("keep_head", 0), action.get("keep_tail", 0)
        zh, en = f"掩码：保留前{h}位、后{t}位", f"masked: first {h} and last {t} characters kept"
    elif op == "generalize":
        to = action.get("to", "year")
        zh = {"year": "泛化至年份", "month": "泛化至年月"}.get(to, f"泛化至 {to}")
        en = f"generalised to the {to}"
    extra = {k: v for k, v in action.items() if k not in ("operator", "scope", "keep_head", "keep_tail", "to")}
    if extra:
        tail = ", ".join(f"{k}={v}" for k, v in extra.items())
        zh, en = f"{zh}（{tail}）", f"{en} ({tail})"
    return zh, en
