"""Rule pack loading, checks and classification."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screening.classify import classify
from screening.errors import ConfigError
from screening.model import ColumnProfile
from screening.rules import builtin_packs, load_pack


def profile(entity: str | None, kind: str = "structured", entities: dict[str, int] | None = None) -> ColumnProfile:
    ents = entities if entities is not None else ({entity: 10} if entity else {})
    return ColumnProfile(
        name="c",
        kind=kind,
        entity=entity,
        entities=ents,
        confidence=0.9,
        reason="r",  # type: ignore[arg-type]
        rows=10,
        non_null=10,
    )


def test_default_pack_loads_with_version_and_hash() -> None:
    pack = load_pack()
    assert "default" in builtin_packs()
    assert pack.name == "default" and pack.version
    assert len(pack.sha256) == 64
    assert sorted(pack.levels) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("entity", "category", "level", "sensitive"),
    [
        # sensitive personal information (PIPL Art. 28, GB/T 35273 Appendix B)
        ("CN_ID_CARD", "个人身份信息", 4, True),
        ("CN_BANK_CARD", "个人财产信息", 4, True),
        # general personal information
        ("CN_PHONE", "个人基本资料", 3, False),
        ("PERSON", "个人基本资料", 3, False),
        ("CN_ADDRESS", "个人基本资料", 3, False),
        ("EMAIL_ADDRESS", "个人基本资料", 3, False),
        ("IP_ADDRESS", "网络身份标识信息", 3, False),
        # organisation data
        ("CN_USCC", "组织信息", 1, False),
        # nothing found
        (None, "未识别为个人信息", 1, False),
    ],
)
def test_default_classification(entity: str | None, category: str, level: int, sensitive: bool) -> None:
    c = classify(profile(entity), load_pack())
    assert (c.category, c.level, c.sensitive) == (category, level, sensitive)
    assert c.rule and c.basis


def test_free_text_graded_by_most_severe_entity_inside() -> None:
    p = profile("PERSON", kind="free_text", entities={"PERSON": 50, "CN_ID_CARD": 2, "CN_PHONE": 30})
    c = classify(p, load_pack())
    assert (c.level, c.sensitive, c.rule) == (4, True, load_pack().entities["CN_ID_CARD"].rule)


def test_mixed_column_graded_by_most_severe_member() -> None:
    p = profile("CN_PHONE", entities={"CN_PHONE": 80, "CN_ID_CARD": 20})
    assert classify(p, load_pack()).level == 4


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _base() -> dict:
    return yaml.safe_load((Path(__file__).parents[1] / "rules" / "default.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["entities"].__setitem__("NOT_AN_ENTITY", d["entities"]["CN_PHONE"]), "unknown entity"),
        (lambda d: d["entities"]["CN_PHONE"].__setitem__("level", 9), "outside the pack's levels"),
        (lambda d: d["entities"]["CN_PHONE"].__setitem__("rule", d["entities"]["CN_ID_CARD"]["rule"]), "already used"),
        (lambda d: d["entities"]["CN_PHONE"].pop("category"), "missing key 'category'"),
        (lambda d: d["policy"]["levels"].__setitem__(4, {"operator": "shred"}), "unknown operator"),
        (lambda d: d["policy"]["levels"].pop(2), "no operator for level"),
    ],
)
def test_bad_pack_names_file_and_problem(tmp_path: Path, mutate, message: str) -> None:
    data = _base()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nlevels: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.yaml: line \d+"):
        load_pack(path)


def test_unknown_builtin_pack() -> None:
    with pytest.raises(ConfigError, match="unknown rule pack"):
        load_pack("no-such-pack")
