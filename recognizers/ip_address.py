"""IP_ADDRESS: IPv4 and IPv6 addresses.

IPv4: the pattern takes any run of four or more dot-separated numbers, so that ``1.2.3.4.5`` is one
candidate (and rejected) rather than ``1.2.3.4`` plus a rest; validation wants exactly four octets 0-255
without leading zeros (``01.02.03.04`` is rejected, as Python's ``ipaddress`` does).

Version strings (``1.0.0.1``, ``2.3.1.0``, ``1.12.0.3``) have the shape of an address. Validation rejects the
*version-like* ones: a first part 0-9 (a major version) and the other three 0-31. Of the public IPv4 space
that is about 330,000 of 3.7 billion addresses (0.01%), and the well-known ones among them are public DNS
resolvers (``1.1.1.1``, ``8.8.8.8``), which are not personal data; versions, on the other hand, are mostly
small numbers. A version column with a few larger build numbers (``1.0.0.145``) is still quiet as a whole:
IP_ADDRESS is validated, so it is a column member only when at least half of the address-shaped cells
validate (``screening.profile.VALID_RATIO``). Versions longer than four parts or with a part over 255
(``10.0.19041.1``) were never addresses. Not separable by value: versions with a major of 10 or more whose
parts all fit an octet (``10.0.0.168``, ``12.5.1.0``) look exactly like private or public addresses and are
reported as IP_ADDRESS; the negative header words (版本, version, build …) stop a header such as
``ip_version`` from naming the entity, but they do not overrule values. In free text a dotted quad right
after 版本, version, ver, build or a bare ``v`` (``客户端版本2.1.0.45``, ``v10.0.0.1``) is a version, not an
address (``negative_context``).

IPv6: full, ``::``-compressed and IPv4-embedded forms (no zone index), written as an alternation ordered so
that leftmost-first matching takes the whole address. Validation also wants at least one decimal digit,
which drops code tokens such as ``a::b`` or ``dead::beef``; the bare ``::`` is not matched.
"""

from __future__ import annotations

import re

import polars as pl

from recognizers import ASCII_BOUNDARY as B
from recognizers import Recognizer
from recognizers._common import COMMON_NEGATIVE_HEADERS, evaluated_once, fullmatch_expr, fullmatcher

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H = "[0-9A-Fa-f]{1,4}"


def _ipv6() -> str:
    """IPv6 alternatives; at one start position the first alternative that matches wins, so forms that
    end in an embedded IPv4 come first and, among ``::`` forms, fewer groups before the ``::`` first."""
    ends_in_word = [f"(?:{_H}:){{6}}{IPV4}"]
    ends_in_word += [f"(?:{_H}:){{1,{k}}}(?::{_H}){{0,{5 - k}}}:{IPV4}" for k in range(1, 6)]
    ends_in_word += [f"(?:{_H}:){{7}}{_H}"]
    ends_in_word += [f"(?:{_H}:){{1,{k}}}(?::{_H}){{1,{7 - k}}}" for k in range(1, 7)]
    leading = [f"::(?:{_H}:){{0,5}}{IPV4}", f":(?::{_H}){{1,7}}"]
    return (
        f"{B}(?:{'|'.join(ends_in_word)}){B}"  # ends in a hex group or an octet
        f"|{B}(?:{_H}:){{1,7}}:"  # ends in ::, no boundary after a colon
        f"|(?:{'|'.join(leading)}){B}"  # starts with ::, no boundary before a colon
    )


IPV6 = _ipv6()
PATTERN = rf"{B}[0-9]+(?:\.[0-9]+){{3,}}{B}|{IPV6}"
_SMALL = "(?:[12]?[0-9]|3[01])"
VERSION_LIKE = rf"[0-9](?:\.{_SMALL}){{3}}"
"""A dotted quad that reads as a version: first part 0-9, the others 0-31 (see the module docstring)."""

_is_ipv4 = fullmatcher(IPV4)
_is_version = fullmatcher(VERSION_LIKE)
_is_ipv6 = fullmatcher(IPV6)
_digit = re.compile("[0-9]")


def validate(s: str) -> bool:
    """Exactly four octets 0-255 without leading zeros and not version-like, or an IPv6 address containing a
    decimal digit."""
    return (_is_ipv4(s) and not _is_version(s)) or (_is_ipv6(s) and _digit.search(s) is not None)


@evaluated_once
def valid_expr(e: pl.Expr) -> pl.Expr:
    v4 = fullmatch_expr(e, IPV4) & ~fullmatch_expr(e, VERSION_LIKE)
    return (v4 | (fullmatch_expr(e, IPV6) & e.str.contains("[0-9]"))).fill_null(False)


RECOGNIZER = Recognizer(
    entity="IP_ADDRESS",
    pattern=PATTERN,
    kind="identifier",
    priority=65,
    validate=validate,
    valid_expr=valid_expr,
    headers=(
        "ip", "ip地址", "ipv4", "ipv6", "ip_address", "ipaddress", "ip_addr", "ipaddr", "登录ip", "客户端ip",
        "来源ip", "访问ip", "源ip", "目的ip", "ipdz", "dlip", "khdip",
        "client_ip", "clientip", "remote_addr", "remote_ip", "source_ip", "src_ip", "dst_ip", "dest_ip",
        "login_ip", "user_ip", "host_ip", "x_forwarded_for",
    ),
    negative_headers=COMMON_NEGATIVE_HEADERS + (
        "版本", "归属地", "地区", "城市", "省份", "国家", "运营商", "端口", "掩码", "网段", "段",
        "发布", "构建", "固件", "补丁",
        "version", "ver", "build", "release", "firmware", "patch",
        "location", "region", "city", "province", "country", "isp", "port", "mask", "subnet", "cidr",
    ),
    masked_pattern=r"^[0-9]{1,3}(?:\.\*{1,3}){3}$|^[0-9A-Fa-f]{1,4}(?::\*{1,4}){7}$",
    mask={"style": "ip"},
    context=("ip", "ip地址", "地址", "登录", "访问", "客户端", "address"),
    negative_context=("版本", "版本号", "version", "ver", "ver.", "build", "v", "固件", "firmware"),
    score=0.5,
    examples_valid=(
        "192.168.1.1",
        "10.0.0.255",
        "255.255.255.255",
        "1.180.12.34",  # first octet below 10, not version-like
        "10.0.0.1",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "fe80::1ff:fe23:4567:890a",
        "::1",
        "::ffff:192.0.2.128",
        "2001:db8:3:4::192.0.2.33",
        "2001:db8::",
    ),
    examples_invalid=(
        "1.2.3.4.5",  # five parts
        "01.02.03.04",  # leading zeros
        "192.168.001.001",
        "256.1.1.1",
        "1.2.3",
        "12:34:56",  # a time
        "::",  # unspecified address
        "dead::beef",  # no digit: more likely code than an address
        "1712345678901",  # epoch milliseconds
        # version-like: first part 0-9, the others 0-31 (public DNS resolvers such as 8.8.8.8 fall here too)
        "1.2.3.4",
        "1.0.0.1",
        "2.3.1.0",
        "1.12.0.3",
        "0.9.31.2",
        "10.0.19041.1",  # a Windows build: a part over 255
    ),
)  # fmt: skip
