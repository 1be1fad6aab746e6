"""Regenerate the synthetic sample datasets in this folder: ``python samples/make_samples.py``.

Seeded: running it twice writes byte-identical files (given the same polars and pyarrow versions).
Everything is made up by ``screening.synthetic``; see README.md for what each file contains.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import polars as pl

from screening import synthetic

HERE = Path(__file__).resolve().parent
SEED = 20261121


def blanks(frame: pl.DataFrame, columns: dict[str, float], seed: int) -> pl.DataFrame:
    """Empty some cells, as real exports have: ``columns`` maps a column to its share of nulls."""
    rng = random.Random(seed)
    return frame.with_columns(
        pl.when(pl.Series([rng.random() < share for _ in range(frame.height)]))
        .then(None)
        .otherwise(pl.col(name))
        .alias(name)
        for name, share in columns.items()
    )


def gender_of(id_column: str) -> pl.Expr:
    """男 for an odd 17th digit, 女 for an even one, as GB 11643 defines it."""
    odd = pl.col(id_column).str.slice(16, 1).cast(pl.Int8) % 2 == 1
    return pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女"))


def bank_of(card_column: str) -> pl.Expr:
    banks = {bin_: bank for bin_, (bank, _) in synthetic.BANK_BINS.items()}
    return pl.col(card_column).str.slice(0, 6).replace_strict(banks, return_dtype=pl.String)


def customers() -> pl.DataFrame:
    """A customer/order export with Chinese headers; 订单号 is the hard negative."""
    frame = synthetic.table(
        500,
        SEED,
        {
            "姓名": "person_name",
            "身份证号": "id_card",
            "手机号": "phone",
            "邮箱": "email",
            "住址": "address",
            "银行卡号": "bank_card",
            "订单号": "order_no",
            "金额": "amount",
            "下单日期": "date",
            "备注": "remark",
        },
    )
    frame = frame.with_columns(性别=gender_of("身份证号"), 开户行=bank_of("银行卡号"))
    frame = frame.select(
        "姓名", "性别", "身份证号", "手机号", "邮箱", "住址", "银行卡号", "开户行",
        "订单号", "金额", "下单日期", "备注",
    )  # fmt: skip
    return blanks(frame, {"邮箱": 0.08, "备注": 0.15, "住址": 0.02}, SEED)


def customers_gbk() -> pl.DataFrame:
    """A government-style register: pinyin-initial headers, birth date and gender derived from the ID."""
    frame = synthetic.table(
        300,
        SEED + 1,
        {
            "xm": "person_name",
            "sfzh": "id_card",
            "mz": "ethnicity",
            "lxdh": "phone",
            "dz": "address",
            "bz": "remark",
        },
    )
    birth = pl.col("sfzh").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d").dt.strftime("%Y-%m-%d")
    frame = frame.with_columns(xb=gender_of("sfzh"), csrq=birth)
    frame = frame.select("xm", "xb", "mz", "csrq", "sfzh", "lxdh", "dz", "bz")
    return blanks(frame, {"bz": 0.3, "lxdh": 0.03}, SEED + 1)


def merchants() -> pl.DataFrame:
    """Merchants: USCC, an int64 phone column, English headers for e-mail and IP."""
    frame = synthetic.table(
        300,
        SEED + 2,
        {
            "商户名称": "company",
            "统一社会信用代码": "uscc",
            "法定代表人": "person_name",
            "lxdh": "phone",
            "contact_email": "email",
            "server_ip": "ipv4",
            "注册地址": "address",
            "注册资本(万元)": "amount",
            "成立日期": "date",
        },
    )
    # Phones stored as numbers, as spreadsheets and some databases do: a string regex never sees them.
    return frame.with_columns(pl.col("lxdh").cast(pl.Int64))


def mixed_ids() -> pl.DataFrame:
    """One 证件号码 column mixing ID numbers and passports; phones already masked (前3后4)."""
    n = 300
    frame = synthetic.table(
        n,
        SEED + 3,
        {"姓名": "person_name", "身份证": "id_card", "护照": "passport", "手机号": "masked_phone"},
    )
    rng = random.Random(SEED + 3)
    is_passport = pl.Series([rng.random() < 0.3 for _ in range(n)])
    return frame.select(
        pl.format("KH{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(6)).alias("客户编号"),
        "姓名",
        pl.when(is_passport).then(pl.lit("护照")).otherwise(pl.lit("居民身份证")).alias("证件类型"),
        pl.when(is_passport).then("护照").otherwise("身份证").alias("证件号码"),
        "手机号",
    )


def write(out: Path) -> list[Path]:
    """Write every sample into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in ("customers.csv", "customers_gbk.csv", "merchants.parquet", "mixed_ids.csv")]
    customers().write_csv(paths[0])
    text = customers_gbk().write_csv(separator=";", line_terminator="\r\n")
    paths[1].write_bytes(text.encode("gbk"))
    merchants().write_parquet(paths[2], compression="zstd")
    mixed_ids().write_csv(paths[3])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    args = parser.parse_args()
    for path in write(args.out):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
