"""Rule packs: the built-in packs' decisions, their citations, layering, and every malformed-pack error."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from screening import operators
from screening.classify import classify
from screening.errors import ConfigError
from screening.model import ENTITY_NAMES, ColumnProfile
from screening.report import column_entry
from screening.rules import ASPECTS, OPERATORS, PackError, builtin_packs, describe, load_pack, schema

ROOT = Path(__file__).parents[1]
TAG = re.compile(r"\[[VSMI]\]")


def profile(entity: str | None, kind: str = "structured", entities: dict[str, int] | None = None) -> ColumnProfile:
    ents = entities if entities is not None else ({entity: 10} if entity else {})
    return ColumnProfile(
        name="c",
        kind=kind,  # type: ignore[arg-type]
        entity=entity,
        entities=ents,
        confidence=0.9,
        reason="r",
        rows=10,
        non_null=10,
    )


def builtin_text(name: str) -> str:
    return (resources.files("rules") / f"{name}.yaml").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ built-in packs
def test_builtin_packs_load_with_version_hash_and_scale() -> None:
    assert builtin_packs() == ["default", "finance"]
    default, finance = load_pack(), load_pack("finance")
    assert (default.name, sorted(default.levels)) == ("default", [1, 2, 3, 4])
    assert (finance.name, sorted(finance.levels)) == ("finance", [1, 2, 3, 4, 5])
    for pack in (default, finance):
        assert pack.version and pack.title
        assert pack.sha256 == hashlib.sha256(builtin_text(pack.name).encode("utf-8")).hexdigest()
        assert [layer.name for layer in pack.layers] == [pack.name]
        assert sorted(pack.level_actions) == sorted(pack.levels)


@pytest.mark.parametrize("name", ["default", "finance"])
def test_builtin_pack_passes_the_json_schema(name: str) -> None:
    # load_pack skips the schema for built-in packs (start-up time); this test is what keeps them valid.
    jsonschema.Draft202012Validator.check_schema(schema())
    data = yaml.safe_load(builtin_text(name))

    def text_keys(obj: object) -> object:
        if isinstance(obj, dict):
            return {str(k): text_keys(v) for k, v in obj.items()}
        return [text_keys(v) for v in obj] if isinstance(obj, list) else obj

    jsonschema.validate(text_keys(data), schema())


def test_schema_operators_and_parameters_match_the_code() -> None:
    action = schema()["$defs"]["action"]["properties"]
    assert tuple(action["operator"]["enum"]) == OPERATORS == tuple(operators.PARAMS)
    assert set(action) - {"operator"} == {p for params in operators.PARAMS.values() for p in params}
    assert tuple(action["to"]["enum"]) == operators.GENERALIZE_TO
    assert tuple(action["hash"]["enum"]) == operators.HASHES


@pytest.mark.parametrize("name", ["default", "finance"])
def test_builtin_actions_have_usable_parameters(name: str) -> None:
    pack = load_pack(name)  # load_pack skips this check for built-in packs
    for action in [*pack.level_actions.values(), *pack.entity_actions.values()]:
        operators.check_params(action["operator"], {k: v for k, v in action.items() if k != "operator"})


@pytest.mark.parametrize("name", ["default", "finance"])
def test_every_entity_has_a_rule_and_every_aspect_a_tagged_citation(name: str) -> None:
    pack = load_pack(name)
    assert set(pack.entities) == set(ENTITY_NAMES)
    for entity, rule in [*pack.entities.items(), ("unidentified", pack.unidentified)]:
        wanted = {a for a in ASPECTS if a != "class" or rule.pfi_class is not None}
        assert set(rule.cites) == wanted, entity
        for aspect, cite in rule.cites.items():
            assert TAG.search(cite), f"{name} {entity} {aspect}: no [V]/[S]/[M]/[I] tag in {cite!r}"
        assert rule.basis and rule.rule and rule.origin.startswith(f"rules/{name}.yaml:")
        assert rule.category in pack.categories
    for category in pack.categories.values():
        assert TAG.search(category.basis)
    for c in pack.classes.values():
        assert TAG.search(c.basis)


@pytest.mark.parametrize("name", ["default", "finance"])
def test_pack_header_explains_the_tags(name: str) -> None:
    header = builtin_text(name).split("\nname:")[0]
    for tag in ("[V] read in a source", "[S] secondary", "[M] recalled", "[I] this pack's own inference"):
        assert tag in header


@pytest.mark.parametrize(
    ("entity", "category", "level", "sensitive"),
    [
        # sensitive personal information (个人信息保护法 第二十八条, GB/T 35273 表B.1) -> 4
        ("CN_ID_CARD", "个人身份信息", 4, True),
        ("CN_PASSPORT", "个人身份信息", 4, True),
        ("CN_HK_MACAO_PERMIT", "个人身份信息", 4, True),
        ("CN_TAIWAN_PERMIT", "个人身份信息", 4, True),
        ("CN_BANK_CARD", "个人财产信息", 4, True),
        ("BANK_ACCOUNT", "个人财产信息", 4, True),
        ("HEALTH", "个人健康生理信息", 4, True),
        ("RELIGION", "其他", 4, True),
        ("MARITAL_STATUS", "其他", 4, True),
        ("GEO_COORDINATE", "个人位置信息", 4, True),
        # direct identifiers and general personal information -> 3
        ("CN_PHONE", "个人基本资料", 3, False),
        ("CN_LANDLINE", "个人基本资料", 3, False),
        ("EMAIL_ADDRESS", "个人基本资料", 3, False),
        ("PERSON", "个人基本资料", 3, False),
        ("CN_ADDRESS", "个人基本资料", 3, False),
        ("ETHNICITY", "个人基本资料", 3, False),
        ("CN_LICENSE_PLATE", "个人基本资料", 3, False),
        ("IP_ADDRESS", "网络身份标识信息", 3, False),
        ("MAC_ADDRESS", "个人常用设备信息", 3, False),
        ("IMEI", "个人常用设备信息", 3, False),
        ("CN_VIN", "个人常用设备信息", 3, False),
        # quasi-identifiers -> 2
        ("DATE_OF_BIRTH", "个人基本资料", 2, False),
        ("GENDER", "个人基本资料", 2, False),
        # organisation data -> 1
        ("CN_USCC", "组织信息", 1, False),
        ("CN_ORG_CODE", "组织信息", 1, False),
        ("ORGANIZATION", "组织信息", 1, False),
        # nothing found
        (None, "未识别为个人信息", 1, False),
    ],
)
def test_default_classification(entity: str | None, category: str, level: int, sensitive: bool) -> None:
    c = classify(profile(entity), load_pack())
    assert (c.category, c.level, c.sensitive, c.pfi_class) == (category, level, sensitive, None)
    assert c.rule and c.basis and {"category", "level", "sensitive"} <= set(c.cites)


@pytest.mark.parametrize(
    ("entity", "category", "pfi_class", "level", "sensitive"),
    [
        # 账户信息: payment accounts are C2 (JR/T 0171), C2 -> 3 (JR/T 0197)
        ("CN_BANK_CARD", "账户信息", "C2", 3, True),
        ("BANK_ACCOUNT", "账户信息", "C2", 3, True),
        # 个人身份信息: documents, mobile number, address are C2
        ("CN_ID_CARD", "个人身份信息", "C2", 3, True),
        ("CN_PASSPORT", "个人身份信息", "C2", 3, True),
        ("CN_HK_MACAO_PERMIT", "个人身份信息", "C2", 3, True),
        ("CN_TAIWAN_PERMIT", "个人身份信息", "C2", 3, True),
        ("CN_PHONE", "个人身份信息", "C2", 3, False),
        ("CN_LANDLINE", "个人身份信息", "C2", 3, False),
        ("EMAIL_ADDRESS", "个人身份信息", "C2", 3, False),
        ("PERSON", "个人身份信息", "C2", 3, False),
        ("CN_ADDRESS", "个人身份信息", "C2", 3, False),
        ("MARITAL_STATUS", "个人身份信息", "C2", 3, True),
        # other personal financial information: C1 -> 2
        ("DATE_OF_BIRTH", "个人身份信息", "C1", 2, False),
        ("GENDER", "个人身份信息", "C1", 2, False),
        ("ETHNICITY", "个人身份信息", "C1", 2, False),
        # 财产信息
        ("CN_LICENSE_PLATE", "财产信息", "C2", 3, False),
        ("CN_VIN", "财产信息", "C2", 3, False),
        # sensitive personal information outside the JR/T 0171 examples is at least C2
        ("HEALTH", "其他个人金融信息", "C2", 3, True),
        ("RELIGION", "其他个人金融信息", "C2", 3, True),
        ("GEO_COORDINATE", "其他个人金融信息", "C2", 3, True),
        ("IP_ADDRESS", "其他个人金融信息", "C2", 3, False),
        ("MAC_ADDRESS", "其他个人金融信息", "C2", 3, False),
        ("IMEI", "其他个人金融信息", "C2", 3, False),
        # organisation data: not personal financial information, public -> 1
        ("CN_USCC", "组织信息", None, 1, False),
        ("CN_ORG_CODE", "组织信息", None, 1, False),
        ("ORGANIZATION", "组织信息", None, 1, False),
        (None, "未识别为个人信息", None, 1, False),
    ],
)
def test_finance_classification(
    entity: str | None, category: str, pfi_class: str | None, level: int, sensitive: bool
) -> None:
    c = classify(profile(entity), load_pack("finance"))
    assert (c.category, c.pfi_class, c.level, c.sensitive) == (category, pfi_class, level, sensitive)
    if pfi_class is not None:
        assert c.cites["class"] and "JR/T 0197-2020" in c.cites["level"]


def test_finance_levels_follow_the_classes() -> None:
    pack = load_pack("finance")
    assert {k: c.level for k, c in pack.classes.items()} == {"C1": 2, "C2": 3, "C3": 4}
    for entity, rule in pack.entities.items():
        if rule.pfi_class is not None:
            assert rule.level == pack.classes[rule.pfi_class].level, entity
        else:
            assert rule.rule.startswith("ORG-"), entity  # report.py counts ORG- rules as non-personal
    assert pack.level_actions[5]["operator"] == pack.level_actions[4]["operator"] == "redact"


def test_free_text_graded_by_most_severe_entity_inside() -> None:
    p = profile("PERSON", kind="free_text", entities={"PERSON": 50, "CN_ID_CARD": 2, "CN_PHONE": 30})
    c = classify(p, load_pack())
    assert (c.level, c.sensitive, c.rule) == (4, True, load_pack().entities["CN_ID_CARD"].rule)


def test_mixed_column_graded_by_most_severe_member() -> None:
    p = profile("CN_PHONE", entities={"CN_PHONE": 80, "CN_ID_CARD": 20})
    assert classify(p, load_pack()).level == 4


# ------------------------------------------------------------------------------------------ dual basis
@pytest.mark.parametrize("name", ["default", "finance"])
def test_id_number_carries_both_readings_and_the_report_says_which_decided(name: str) -> None:
    c = classify(profile("CN_ID_CARD"), load_pack(name))
    entry = column_entry(profile("CN_ID_CARD"), c, None)
    readings = {b["standard"]: b for b in entry["bases"]}
    assert readings["GB/T 35273-2020"]["sensitive"] is True
    assert readings["GB/T 45574-2025"]["sensitive"] is False and readings["GB/T 45574-2025"]["tag"] == "V"
    assert entry["decided_by"].startswith("GB/T 35273-2020 表B.1") and entry["sensitive"] is True
    assert entry["cites"]["sensitive"].startswith("GB/T 35273-2020")
    assert "decided by GB/T 35273-2020, not by GB/T 45574-2025" in entry["basis"]


def test_rules_without_disagreement_have_no_decided_by() -> None:
    c = classify(profile("CN_PHONE"), load_pack())
    assert c.decided_by is None and c.bases == ()


# ------------------------------------------------------------------------------------------ layering
def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OVERLAY = """\
name: acme
version: "1.0"
extends: default
entities:
  CN_PHONE:
    level: 4
  MARITAL_STATUS:
    sensitive: false
    level: 3
    basis:
      sensitive: our reading of 个人信息保护法 第二十八条 [I]
headers:
  CN_PHONE: [联系手机, kehushouji]
policy:
  levels:
    3: {operator: redact}
  entities:
    CN_PHONE: {operator: pseudonymize}
"""


def test_overlay_changes_only_what_it_names(tmp_path: Path) -> None:
    base, pack = load_pack(), load_pack(write(tmp_path, OVERLAY))
    assert (pack.name, pack.version, pack.levels) == ("acme", "1.0", base.levels)
    # override a level: the value, and the overlay cited as its source since it gave no basis
    phone = pack.entities["CN_PHONE"]
    assert (phone.level, phone.rule, phone.category, phone.sensitive) == (4, "PI-BAS-001", "个人基本资料", False)
    assert phone.cites["level"] == f"set by pack acme 1.0 ({tmp_path / 'pack.yaml'}:6); no basis given"
    assert phone.cites["category"] == base.entities["CN_PHONE"].cites["category"]
    # a basis given for one aspect replaces that citation only
    marital = pack.entities["MARITAL_STATUS"]
    assert (marital.level, marital.sensitive) == (3, False)
    assert marital.cites["sensitive"] == "our reading of 个人信息保护法 第二十八条 [I]"
    assert "set by pack acme 1.0" in marital.cites["level"]
    # change an action (by level and by entity); the other levels keep the base's operators
    assert pack.level_actions[3] == {"operator": "redact"} and pack.level_actions[4] == base.level_actions[4]
    assert pack.entity_actions["CN_PHONE"] == {"operator": "pseudonymize"}
    assert pack.entity_actions["DATE_OF_BIRTH"] == base.entity_actions["DATE_OF_BIRTH"]
    # header words for the recognizers' header matching
    assert pack.extra_headers == {"CN_PHONE": ("联系手机", "kehushouji")}
    assert base.extra_headers == {}
    # untouched rules are the base's
    assert pack.entities["CN_ID_CARD"] == base.entities["CN_ID_CARD"]


def test_overlay_hash_covers_every_layer(tmp_path: Path) -> None:
    path = write(tmp_path, OVERLAY)
    pack = load_pack(path)
    own = hashlib.sha256(OVERLAY.encode("utf-8")).hexdigest()
    assert [(x.name, x.source, x.sha256) for x in pack.layers] == [
        ("default", "rules/default.yaml", load_pack().sha256),
        ("acme", str(path), own),
    ]
    assert pack.sha256 == hashlib.sha256((load_pack().sha256 + own).encode()).hexdigest()
    assert pack.source == str(path)
    changed = load_pack(write(tmp_path, OVERLAY.replace("level: 4", "level: 2"), "other.yaml"))
    assert changed.sha256 != pack.sha256


def test_overlay_adds_an_entity_to_a_base_file_and_layers_chain(tmp_path: Path) -> None:
    base = yaml.safe_load(builtin_text("default"))
    del base["entities"]["GENDER"]
    base["name"] = "company-base"
    write(tmp_path, yaml.safe_dump(base, allow_unicode=True, sort_keys=False), "base.yaml")
    assert "GENDER" not in load_pack(tmp_path / "base.yaml").entities
    middle = write(
        tmp_path,
        'name: middle\nversion: "2"\nextends: base.yaml\n'
        "entities:\n  GENDER:\n    rule: ACME-GEN-001\n    category: 个人基本资料\n    level: 2\n"
        "    sensitive: false\n    basis: our catalogue, row 12 [I]\nheaders:\n  CN_PHONE: [联系手机]\n",
        "middle.yaml",
    )
    top = write(tmp_path, 'name: top\nversion: "3"\nextends: middle.yaml\nheaders:\n  CN_PHONE: [lxsj, 联系手机]\n')
    pack = load_pack(top)
    assert [x.name for x in pack.layers] == ["company-base", "middle", "top"]
    gender = pack.entities["GENDER"]
    assert (gender.rule, gender.level, gender.basis) == ("ACME-GEN-001", 2, "our catalogue, row 12 [I]")
    assert gender.origin == f"{middle}:6"  # the line of its rule id
    assert pack.extra_headers == {"CN_PHONE": ("联系手机", "lxsj")}


def test_overlay_can_follow_the_other_reading(tmp_path: Path) -> None:
    text = 'name: pipl-2025\nversion: "1"\nextends: default\nentities:\n  CN_ID_CARD: {decided_by: GB/T 45574-2025}\n'
    rule = load_pack(write(tmp_path, text)).entities["CN_ID_CARD"]
    assert (rule.level, rule.sensitive) == (3, False)
    assert rule.decided_by is not None and rule.decided_by.startswith("GB/T 45574-2025 附录A")
    assert rule.cites["sensitive"].startswith("GB/T 45574-2025") and "not by GB/T 35273-2020" in rule.basis


def test_overlay_that_overrules_the_reading_is_named_as_the_decider(tmp_path: Path) -> None:
    text = 'name: lax\nversion: "1"\nextends: default\nentities:\n  GEO_COORDINATE:\n    sensitive: false\n'
    path = write(tmp_path, text)
    rule = load_pack(path).entities["GEO_COORDINATE"]
    assert rule.sensitive is False and rule.level == 4
    assert rule.decided_by == f"pack lax 1 ({path}:6), over GB/T 35273-2020 表B.1 其他信息 (精准定位信息、行踪轨迹) [S]"
    assert rule.cites["sensitive"] == f"set by pack lax 1 ({path}:6); no basis given"


def test_overlay_over_finance_keeps_its_five_levels(tmp_path: Path) -> None:
    text = 'name: bank\nversion: "1"\nextends: finance\nentities:\n  CN_PHONE: {level: 5}\n'
    pack = load_pack(write(tmp_path, text))
    assert pack.max_level == 5 and pack.entities["CN_PHONE"].level == 5
    assert pack.entities["CN_PHONE"].pfi_class == "C2"


def test_describe_is_plain_data() -> None:
    d = describe(load_pack("finance"))
    assert d["name"] == "finance" and list(d["levels"]) == ["1", "2", "3", "4", "5"]
    assert d["entities"]["CN_ID_CARD"]["class"] == "C2" and d["entities"]["CN_ID_CARD"]["bases"]
    assert d["policy"]["levels"]["5"] == {"operator": "redact"}


# ------------------------------------------------------------------------------------------ malformed packs
def line_of(text: str, needle: str, after: str = "") -> int:
    """The line of the first ``needle`` after ``after`` (of its last line when it spans several)."""
    at = text.index(needle, text.index(after) if after else 0)
    return text[:at].count("\n") + needle.rstrip("\n").count("\n") + 1


def default_with(old: str, new: str, after: str = "") -> str:
    """The default pack's text with the first ``old`` after ``after`` replaced."""
    text = builtin_text("default")
    at = text.index(old, text.index(after) if after else 0)
    return text[:at] + new + text[at + len(old) :]


HEAD = 'name: bad\nversion: "1"\nextends: default\n'  # an overlay's lines 1-3


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # the errors of the issue: unknown key, unknown entity, level outside the scale, duplicate rule id
        (HEAD + "entities:\n  CN_PHONE:\n    levle: 4\n", 6, "entities.CN_PHONE.levle: unknown key 'levle'"),
        (HEAD + "entities:\n  CN_PHONES:\n    level: 4\n", 5, "unknown entity 'CN_PHONES' (did you mean CN_PHONE?)"),
        (
            HEAD + "entities:\n  CN_PHONE:\n    level: 9\n",
            6,
            "entities.CN_PHONE.level: 9 is outside the pack's levels 1..4",
        ),
        (
            HEAD + "entities:\n  CN_PHONE:\n    rule: PI-ID-001\n",
            6,
            "rule id 'PI-ID-001' already used by entities.CN_ID_CARD",
        ),
        (
            HEAD + "policy:\n  levels:\n    3: {operator: shred}\n",
            6,
            "policy.levels.3.operator: unknown operator 'shred'",
        ),
        # and the others
        (HEAD + "levle: 4\n", 4, "unknown key 'levle' (did you mean levels?)"),
        (HEAD + "policy:\n  levels:\n    9: {operator: mask}\n", 6, "policy.levels.9: 9 is outside the pack's levels"),
        (
            HEAD + "policy:\n  levels:\n    3: {operator: keep, keep_tail: 4}\n",
            6,
            "policy.levels.3: keep takes no parameter 'keep_tail'",
        ),
        (HEAD + "policy:\n  entities:\n    NOPE: {operator: keep}\n", 6, "policy.entities: unknown entity 'NOPE'"),
        (HEAD + "headers:\n  NOPE: [x]\n", 5, "headers: unknown entity 'NOPE'"),
        (HEAD + "headers:\n  CN_PHONE: []\n", 5, "headers.CN_PHONE: [] should be non-empty"),
        (HEAD + "entities:\n  CN_PHONE:\n    category: 个人基础资料\n", 6, "unknown category '个人基础资料'"),
        (HEAD + "entities:\n  CN_PHONE:\n    class: C2\n", 6, "unknown class 'C2' (the pack declares no classes)"),
        (
            HEAD + "entities:\n  CN_PHONE:\n    sensitive: maybe\n",
            6,
            "sensitive: expected true or false, got text 'maybe'",
        ),
        (HEAD + "entities:\n  CN_ID_CARD:\n    decided_by: GB/T 9999\n", 6, "'GB/T 9999' names none of the bases"),
        (
            HEAD + "entities:\n  CN_ID_CARD:\n    decided_by: GB/T 45574-2025\n    sensitive: true\n",
            7,
            "sensitive: true disagrees with decided_by GB/T 45574-2025 (sensitive: false)",
        ),
        (
            HEAD + "entities:\n  CN_PHONE:\n    level: 4\n  CN_PHONE:\n    level: 3\n",
            7,
            "key given twice (first on line 5)",
        ),
        (HEAD + "entities:\n  CN_PHONE: [level, 4\n", 6, "not valid YAML"),
        (HEAD + "extends: finance\n", 4, "key given twice"),
        ("name: bad\nversion: 1.0\nextends: default\n", 2, "version: expected text, got a number 1.0 (quote it)"),
        ('name: bad\nversion: "1"\nextends: nope\n', 3, "unknown rule pack 'nope'"),
        ("- just\n- a list\n", 1, "a rule pack is a YAML mapping"),
    ],
)
def test_bad_overlay_names_file_line_and_problem(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    assert str(info.value).startswith(f"{path}:{line}: "), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "after", "at", "message"),
    [
        ("    level: 3\n", "    levle: 3\n", "  CN_PHONE:", "levle", "entities.CN_PHONE.levle: unknown key 'levle'"),
        ("  CN_PHONE:\n", "  NOT_AN_ENTITY:\n", "", "NOT_AN", "entities: unknown entity 'NOT_AN_ENTITY'"),
        ("    level: 3\n", "    level: 7\n", "  CN_PHONE:", "level: 7", "entities.CN_PHONE.level: 7 is outside"),
        ("rule: PI-BAS-003", "rule: PI-BAS-001", "", "  EMAIL_ADDRESS:\n    rule", "rule id 'PI-BAS-001' already used"),
        ("    4: {operator: mask}", "    4: {operator: shred}", "", "shred", "unknown operator 'shred'"),
        ("    category: 个人基本资料\n", "", "  CN_PHONE:", "CN_PHONE", "entities.CN_PHONE: missing key 'category'"),
        ("    2: {operator: keep}\n", "", "policy:", "  levels:", "policy.levels: no operator for level(s) [2]"),
        ("  4: 一般数据4级", "  5: 一般数据4级", "levels:", "levels:", "levels: expected 1..4 without gaps"),
        ("    decided_by: GB/T 35273-2020\n", "", "  CN_ID_CARD:", "bases:", "bases disagree on sensitive"),
        ("    sensitive: true\n", "    sensitive: false\n", "  CN_ID_CARD:", "sensitive: false", "disagrees with"),
        ("  3: 一般数据3级", "  3: 一般数据3级\n  3: again", "levels:", "  3: again", "key given twice"),
        (
            "      level: 3级 as a direct identifier [I] (GB/T 43697-2024 附录H 3级 严重危害 [M])\n",
            "",
            "  CN_PHONE:",
            "PI-BAS-001",
            "entities.CN_PHONE.basis: no citation for level",
        ),
    ],
)
def test_bad_standalone_pack_names_file_line_and_problem(
    tmp_path: Path, old: str, new: str, after: str, at: str, message: str
) -> None:
    text = default_with(old, new, after)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    line = line_of(text, at, after)
    assert str(info.value).startswith(f"{path}:{line}: "), (str(info.value), line)
    assert message in str(info.value)


def test_every_problem_is_collected_in_line_order(tmp_path: Path) -> None:
    text = HEAD + "entities:\n  NOPE:\n    level: 2\n  PERSON:\n    level: 7\n  EMAIL_ADDRESS:\n    rule: PI-BAS-001\n"
    path = write(tmp_path, text)
    with pytest.raises(PackError) as info:
        load_pack(path)
    assert [p.split(": ")[0] for p in info.value.problems] == [f"{path}:5", f"{path}:8", f"{path}:10"]
    assert str(info.value).endswith("(and 2 more problems)")


def test_new_entity_in_an_overlay_needs_a_whole_rule(tmp_path: Path) -> None:
    base = yaml.safe_load(builtin_text("default"))
    del base["entities"]["GENDER"]
    write(tmp_path, yaml.safe_dump(base, allow_unicode=True), "base.yaml")
    path = write(tmp_path, HEAD.replace("default", "base.yaml") + "entities:\n  GENDER:\n    level: 2\n")
    with pytest.raises(
        ConfigError, match=rf"{re.escape(str(path))}:5: entities.GENDER: a new rule needs rule, category"
    ):
        load_pack(path)


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, 'name: a\nversion: "1"\nextends: b.yaml\n', "a.yaml")
    write(tmp_path, 'name: b\nversion: "1"\nextends: a.yaml\n', "b.yaml")
    with pytest.raises(ConfigError, match="extends itself"):
        load_pack(tmp_path / "a.yaml")


def test_unknown_builtin_pack() -> None:
    with pytest.raises(ConfigError, match="unknown rule pack"):
        load_pack("no-such-pack")


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="rule pack not found$"):
        load_pack("no/such/pack.yaml")


def test_a_pack_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    (tmp_path / "gbk.yaml").write_bytes("name: 规则\n".encode("gbk"))
    with pytest.raises(ConfigError, match="cannot read rule pack: it is not UTF-8 text$"):
        load_pack(tmp_path / "gbk.yaml")
