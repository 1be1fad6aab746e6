"""Names, places and organisations in Chinese free text: rules over jieba part-of-speech tags.

Kept apart from Presidio so that a scan can estimate them on a sample without importing Presidio and
spaCy (seconds of start-up); ``screening.freetext`` wraps the same rules as a Presidio recognizer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from importlib import resources

import jieba

from screening.model import Span

logger = logging.getLogger(__name__)

NER_ENTITIES = ("PERSON", "CN_ADDRESS", "ORGANIZATION")

# -- jieba: quiet, initialised once ----------------------------------------------------------------------


class _DebugOnly(logging.Filter):
    """Demote jieba's records (prefix-dict chatter, a failed cache dump) to DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def _quiet_jieba() -> None:
    # jieba prints "Building prefix dict ..." through its own stderr handler; send it to logging
    # instead. A read-only temp dir only makes the cache dump fail, which jieba catches and logs.
    jieba_logger = jieba.default_logger
    jieba_logger.removeHandler(jieba.log_console)
    if not any(isinstance(f, _DebugOnly) for f in jieba_logger.filters):
        jieba_logger.addFilter(_DebugOnly())


_quiet_jieba()


# -- lexicons --------------------------------------------------------------------------------------------

# Only for when recognizers/person.py (and its data/surnames.txt) is missing: the most common surnames.
_BUILTIN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
_BUILTIN_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "澹台", "闻人", "申屠",
)  # fmt: skip


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in text)


@cache
def surnames() -> frozenset[str]:
    """The surname lexicon: from the PERSON recognizer module, its data file, or a built-in fallback."""
    try:
        from recognizers import person  # type: ignore[attr-defined]

        found = getattr(person, "SURNAMES", None)
    except ImportError:
        found = None
    if not found:
        try:
            text = resources.files("recognizers").joinpath("data/surnames.txt").read_text(encoding="utf-8")
        except (FileNotFoundError, OSError):
            text = ""
        found = [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]
    names = frozenset(s.strip() for s in found if 1 <= len(s.strip()) <= 2 and _is_cjk(s.strip()))
    if not names:
        logger.debug("no surname lexicon in recognizers/, using the built-in one")
        names = frozenset(_BUILTIN_SURNAMES) | frozenset(_BUILTIN_COMPOUND_SURNAMES)
    return names


Token = tuple[str, str, int]
"""A jieba token: (word, POS flag, start offset in the text)."""


def jieba_tokens(text: str) -> list[Token]:
    """(word, flag, start) for each jieba.posseg token (HMM on); the words concatenate to ``text``."""
    import jieba.posseg  # its tables load on import (about 0.4 s): only the jieba baseline needs them

    out: list[Token] = []
    pos = 0
    for word, flag in jieba.posseg.dt.cut(text):
        out.append((word, flag, pos))
        pos += len(word)
    return out


# -- rules ----------------------------------------------------------------------------------------------

_ADMIN_SUFFIXES = ("省", "市", "区", "县", "州", "旗", "盟", "镇", "乡", "自治区", "新区", "开发区")
_ROAD_SUFFIXES = ("路", "街", "大街", "道", "大道", "巷", "弄", "胡同", "村", "屯", "里弄", "公路")
_DETAIL_SUFFIXES = (
    "号", "室", "栋", "幢", "单元", "楼", "层", "座", "院", "号院", "号楼", "组", "段", "苑", "园", "大厦",
    "公寓", "花园", "小区", "社区", "广场", "中心", "期", "区", "户", "排", "门",
)  # fmt: skip
_DETAIL_CHARS = frozenset("号室栋幢楼层座弄巷组")
_NOT_ROADS = frozenset({"渠道", "频道", "通道", "轨道", "味道", "管道", "报道", "跑道", "知道", "道路", "赛道"})
_ADDRESS_CONNECTORS = frozenset({"-", "—", "#", "之"})
_ADDRESS_FILLER_TAGS = frozenset({"n", "nz", "nr", "nrt", "ns", "a", "j", "b", "f", "s", "nt", "eng", "l"})
_ORG_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "银行", "分行", "支行", "信用社",
    "医院", "卫生院", "诊所", "大学", "学院", "中学", "小学", "幼儿园", "研究院", "研究所", "事务所",
    "委员会", "协会", "基金会", "合作社", "工作室", "商行", "酒店", "宾馆", "派出所", "法院", "检察院",
    "出版社", "电视台", "保险", "证券", "工厂", "厂",
)  # fmt: skip
_ORG_PROPER_TAGS = frozenset({"ns", "nz", "nt", "j", "eng", "nrt"})
_ORG_EXTEND_TAGS = _ORG_PROPER_TAGS | {"n", "b", "m", "vn", "an", "l"}
_PERSON_TAGS = frozenset({"nr", "nrt", "nrfg"})
_GIVEN_TAGS = frozenset({"nr", "nrt", "nrfg", "ng"})
_WEAK_GIVEN_TAGS = frozenset({"n", "a", "ag", "an", "nz", "j", "vg", "i", "z"})
_EXTEND_TAGS = _GIVEN_TAGS | {"vg", "ag", "x", "j"}  # 白玉/nr 婷/x: a lone character jieba could not tag
_SURNAME_TOKEN_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "n", "nz", "ng", "a", "j"})
# Compound surnames that are also ordinary words (东方明珠): joined only when jieba tags them nr.
_AMBIGUOUS_COMPOUNDS = frozenset({"东方", "南宫", "西门", "百里", "上官", "长孙", "公孙"})
# Characters jieba glues to a following surname (转林, 由施斌): 由/和/向 are surnames too, rarely.
_FUNCTION_CHARS = frozenset("转由和向与及给被把让请叫找将同跟从替为是有对在于经据")
# Single characters that follow a name but are not part of it (张伟家, 李娜说).
_NOT_GIVEN = frozenset("的了说是在和与及等家处们也都已来去要有让请叫找到给把被将对向于从为又还就才再先曾")
_TITLES = frozenset(
    {"先生", "女士", "小姐", "同志", "老师", "经理", "主任", "医生", "律师", "师傅", "总", "工", "阿姨", "大爷"}
)
# Places jieba tags nr and whose first character is a common surname (徐汇 -> 徐).
_NOT_PERSONS = frozenset(
    {
        "谢谢", "石家庄", "徐汇", "黄浦", "杨浦", "长宁", "金山", "宝山", "嘉定", "闵行", "松江", "奉贤",
        "海淀", "丰台", "房山", "顺义", "昌平", "延庆", "平谷", "武侯", "锦江", "金牛", "成华", "龙岗",
        "罗湖", "福田", "宝安", "番禺", "白云", "越秀", "海珠", "天河", "江宁", "秦淮", "鼓楼", "玄武",
        "高新", "江北", "江干", "余杭", "萧山", "武昌", "汉阳", "洪山", "雨花", "岳麓", "芙蓉", "开福",
    }
)  # fmt: skip
_COMMON_WORD_COUNT = 500
"""Dictionary count from which an nr-tagged word is an everyday word (李娜 438 stays a name; 高峰 1556)."""
_SCORES = {
    "PERSON": 0.85,
    "PERSON_JOINED": 0.75,
    "PERSON_WEAK": 0.6,
    "CN_ADDRESS": 0.75,
    "ORGANIZATION": 0.8,
    "ORG_SUFFIX": 0.65,
}


def _is_number(word: str, flag: str) -> bool:
    # Room, building and house numbers; longer digit runs are phone/ID numbers, not address parts.
    return len(word) <= 6 and (flag == "m" or re.fullmatch(r"[0-9A-Za-z]+", word) is not None)


@lru_cache(maxsize=65_536)
def _address_class(word: str, flag: str) -> str | None:
    """place / road / detail / number / connector / None, for one jieba token."""
    if len(word) >= 2 and word.endswith(_ADMIN_SUFFIXES) and flag not in {"v", "d", "r", "p", "c"}:
        return "place"
    if flag == "ns":
        return "place"
    if word in _DETAIL_CHARS:  # 弄 is often tagged v, 号 m
        return "detail"
    if word.endswith(_ORG_SUFFIXES):  # 医院 ends in 院 but is an organisation
        return None
    if word not in _NOT_ROADS and flag not in {"v", "d", "r", "p", "c", "uj"}:
        if word.endswith(_ROAD_SUFFIXES):
            return "road"
        if word.endswith(_DETAIL_SUFFIXES):
            return "detail"
    if _is_number(word, flag):
        return "number"
    if word in _ADDRESS_CONNECTORS:
        return "connector"
    return None


_Found = tuple[str, int, int, float, int]


class JiebaNer:
    """PERSON, CN_ADDRESS and ORGANIZATION from jieba POS tags (nr / ns / nt) plus Chinese suffix rules.

    Rules, in this order, each on the tokens the previous ones left: addresses (place names followed by
    road or house-number detail; a bare place name is not an address), organisations (``nt`` tokens, and
    names ending in 有限公司/银行/医院/大学…), persons (``nr`` tokens of 2-4 characters starting with a
    known surname, or a surname token followed by a given-name token).
    """

    def __init__(
        self, surname_lexicon: frozenset[str] | None = None, name_check: Callable[[str], bool] | None = None
    ) -> None:
        self.surnames = surname_lexicon if surname_lexicon is not None else surnames()
        self.name_check = name_check
        """The PERSON recognizer's scalar validator (given-name characters), applied to every name found."""

    def find(self, tokens: list[Token]) -> list[tuple[str, int, int, float]]:
        """(entity, start, end, score) for the tokens of one text, no two overlapping."""
        taken = [False] * len(tokens)
        found: list[tuple[str, int, int, float]] = []
        for rule in (self._addresses, self._organisations, self._persons):
            for entity, i, j, score, skip in rule(tokens, taken):
                found.append((entity, tokens[i][2] + skip, tokens[j - 1][2] + len(tokens[j - 1][0]), score))
                taken[i:j] = [True] * (j - i)
        return sorted(found, key=lambda f: f[1])

    # Each rule yields (entity, first token, end token exclusive, score, characters of the first token to
    # skip) over the tokens no earlier rule took.

    def _addresses(self, tokens: list[Token], taken: list[bool]) -> Iterable[_Found]:
        n = len(tokens)
        i = 0
        while i < n:
            word, flag, _ = tokens[i]
            start_class = _address_class(word, flag)
            startable = start_class == "place" or (start_class == "road" and flag in {"ns", "nr", "nz", "nrt"})
            if taken[i] or not startable:
                i += 1
                continue
            classes = [start_class]
            j = i + 1
            last_good = i  # last token that may end an address
            fillers = 0
            while j < n and not taken[j]:
                cls = _address_class(tokens[j][0], tokens[j][1])
                if cls in {"place", "road", "detail", "number"}:
                    fillers = 0
                    last_good = j
                elif cls == "connector" or (tokens[j][1] in _ADDRESS_FILLER_TAGS and len(tokens[j][0]) <= 4):
                    # 科技园南区 / 人民南路: a short noun between address parts, kept only if more follows
                    fillers += 1
                    if fillers > 2:
                        break
                else:
                    break
                classes.append(cls)
                j += 1
            end = last_good + 1
            parts = classes[: end - i]
            # a place name alone (北京, 北京市朝阳区) is not an address: it needs road or house detail
            if end - i >= 2 and (parts[0] == "road" or any(c in {"road", "detail"} for c in parts[1:])):
                yield "CN_ADDRESS", i, end, _SCORES["CN_ADDRESS"], 0
                i = end
                continue
            i += 1

    def _organisations(self, tokens: list[Token], taken: list[bool]) -> Iterable[_Found]:
        spans: list[tuple[int, int, float]] = []
        for k, (word, flag, _) in enumerate(tokens):
            if taken[k]:
                continue
            is_nt = flag == "nt"
            suffix = flag not in {"v", "d", "r", "p", "c", "uj", "x"} and word.endswith(_ORG_SUFFIXES)
            if not (is_nt or suffix):
                continue
            # extend left over name-like tokens (北京 华为 技术 | 有限公司), at most 4 tokens
            left = k
            while left > 0 and k - left < 4 and not taken[left - 1] and tokens[left - 1][1] in _ORG_EXTEND_TAGS:
                left -= 1
            # start at the first proper name in the window; generic nouns alone (人民医院, 客户公司) are not enough
            first = next((m for m in range(left, k) if tokens[m][1] in _ORG_PROPER_TAGS), None)
            if first is not None:
                spans.append((first, k + 1, _SCORES["ORGANIZATION"] if is_nt else _SCORES["ORG_SUFFIX"]))
            elif is_nt or (len(word) > 2 and word not in _ORG_SUFFIXES):  # 华为技术有限公司 as one token
                spans.append((k, k + 1, _SCORES["ORGANIZATION"] if is_nt else _SCORES["ORG_SUFFIX"]))
        # merge overlapping or adjacent candidates (中国工商银行 + 北京分行)
        merged: list[tuple[int, int, float]] = []
        for s, e, score in sorted(spans):
            if merged and s <= merged[-1][1]:
                ps, pe, pscore = merged[-1]
                merged[-1] = (ps, max(pe, e), max(pscore, score))
            else:
                merged.append((s, e, score))
        for s, e, score in merged:
            yield "ORGANIZATION", s, e, score, 0

    def _surname_split(self, word: str) -> tuple[str, str] | None:
        for size in (2, 1):
            if len(word) > size and word[:size] in self.surnames:
                return word[:size], word[size:]
        return None

    def _persons(self, tokens: list[Token], taken: list[bool]) -> Iterable[_Found]:
        k = 0
        while k < len(tokens):
            found = None if taken[k] else self._person_at(tokens, taken, k)
            if found is None:
                k += 1
                continue
            end, skip, score = found
            yield "PERSON", k, end, score, skip  # skip: 转林/n 刚/d, the name starts after 转
            k = end

    def _person_at(self, tokens: list[Token], taken: list[bool], k: int) -> tuple[int, int, float] | None:
        """(end token, characters to skip in token k, score) of a name starting at token k, or None."""

        def free(m: int) -> Token | None:
            return tokens[m] if m < len(tokens) and not taken[m] else None

        word, flag, _ = tokens[k]
        nxt = free(k + 1)
        # A surname token, then a given name: 王/nr 秀英/nr, 欧阳/ns 娜娜/nrt, 司马/nr 浩/ag 敏/ag
        if word in self.surnames and (flag in _SURNAME_TOKEN_TAGS or len(word) == 2) and nxt is not None:
            compound = len(word) == 2
            strong = flag in _PERSON_TAGS or (compound and word not in _AMBIGUOUS_COMPOUNDS)
            given_tags = _GIVEN_TAGS | (_WEAK_GIVEN_TAGS if strong else frozenset())
            if _given_like(nxt, given_tags):
                end = k + 2
                after = free(k + 2)
                if compound and len(nxt[0]) == 1 and after is not None and len(after[0]) == 1:
                    end += _given_like(after, given_tags | {"x"})
                name = "".join(t[0] for t in tokens[k:end])
                if self._plausible(name, tokens, k, end):
                    return end, 0, _SCORES["PERSON_JOINED"] if nxt[1] in _GIVEN_TAGS else _SCORES["PERSON_WEAK"]
        # 转林/n 刚/d, 请范/v 强/a: a function character glued to the surname (not a real word like 及时)
        if (
            len(word) == 2
            and word[0] in _FUNCTION_CHARS
            and not _in_dictionary(word)
            and word[1] in self.surnames
            and nxt is not None
            and _given_like(nxt, _GIVEN_TAGS | _WEAK_GIVEN_TAGS | {"d"})
            and self._plausible(word[1] + nxt[0], tokens, k, k + 2)
        ):
            return k + 2, 1, _SCORES["PERSON_WEAK"]
        if flag not in _PERSON_TAGS or not 2 <= len(word) <= 4 or word in self.surnames:
            return None
        # 由施斌/nr: a 3-character token that is a function character plus a 2-character name
        if len(word) == 3 and word[0] in _FUNCTION_CHARS and word[1] in self.surnames and not _in_dictionary(word):
            return (k + 1, 1, _SCORES["PERSON_JOINED"]) if self._plausible(word[1:], tokens, k, k + 1) else None
        split = self._surname_split(word)
        if split is None or not 1 <= len(split[1]) <= 2 or not self._plausible(word, tokens, k, k + 1):
            return None
        # jieba's dictionary tags many everyday words nr (明白 文明 阳光 高峰 叶子 康复); names of ordinary
        # people are not in it (HMM finds them), so a frequent dictionary word is not taken for a name.
        if _dictionary_count(word) >= _COMMON_WORD_COUNT or word.endswith("人"):  # 申请人 联系人
            return None
        # 尹涛/nr 萱/n 先生, 欧阳明/nr 辉/nr: jieba cut the name before its last character
        if len(split[1]) == 1 and nxt is not None and len(nxt[0]) == 1 and nxt[0] not in _NOT_GIVEN:
            after = free(k + 2)
            boundary = after is None or _is_boundary(after)
            if (nxt[1] in _EXTEND_TAGS or (nxt[1] in {"n", "v", "a"} and boundary)) and self._plausible(
                word + nxt[0], tokens, k, k + 2
            ):
                return k + 2, 0, _SCORES["PERSON"]
        return k + 1, 0, _SCORES["PERSON"]

    def _plausible(self, name: str, tokens: list[Token], i: int, j: int) -> bool:
        """Not a place in disguise: 徐汇区, 武侯 followed by 区/路, 谢谢, 娜娜."""
        if name in _NOT_PERSONS or len(set(name)) == 1 or not _is_cjk(name):
            return False
        if self.name_check is not None and not self.name_check(name):
            return False
        if name.endswith(_ADMIN_SUFFIXES) or name.endswith(_ROAD_SUFFIXES):
            return False
        if j < len(tokens) and tokens[j][0][:1] in {"区", "县", "市", "路", "街", "镇", "村", "省", "道", "巷"}:
            return False
        return not (i > 0 and tokens[i - 1][0].endswith(("省", "市", "区", "县")))


def _given_like(token: Token, tags: frozenset[str] | set[str]) -> bool:
    word, flag, _ = token
    return 1 <= len(word) <= 2 and flag in tags and _is_cjk(word) and word not in _NOT_GIVEN and word not in _TITLES


def _dictionary_count(word: str) -> int:
    """jieba's dictionary count of ``word`` (0 when it is only a prefix of longer words or unknown)."""
    jieba.dt.check_initialized()
    return jieba.dt.FREQ.get(word) or 0


def _in_dictionary(word: str) -> bool:
    return _dictionary_count(word) > 0


def _is_boundary(token: Token) -> bool:
    word, flag, _ = token
    return (flag == "x" and not _is_cjk(word)) or word in _TITLES or flag in {"uj", "p", "c", "v"}


@cache
def default_ner() -> JiebaNer:
    """The rules with the PERSON recognizer's lexicon and name check."""
    try:
        from recognizers import by_entity

        person = by_entity().get("PERSON")
    except ImportError:
        person = None
    return JiebaNer(name_check=person.validate if person is not None else None)


def find_names(texts: Sequence[str | None]) -> list[list[Span]]:
    """PERSON / CN_ADDRESS / ORGANIZATION spans per text (no identifiers: see ``screening.freetext``)."""
    ner = default_ner()
    out: list[list[Span]] = []
    for text in texts:
        if not text:
            out.append([])
            continue
        found = ner.find(jieba_tokens(text))
        out.append([Span(start, end, entity, score) for entity, start, end, score in found])
    return out
