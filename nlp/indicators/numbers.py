"""Numbers as Chinese reports write them: Arabic (thousands separators, decimals), Chinese numerals
(一千二百零五, 两万, 三十余), 万/亿 multipliers, 余/多/近/约 approximations, ranges and percentages
(98.6%, and spelled out: 百分之九十八点六).

``parse_number`` turns one written number into a value; ``QUANTITY`` finds a number followed by a
measure word in clean text (``nlp.ingest.clean`` has already folded full-width digits). What is a
date, a year, a document number or an ordinal is decided by ``nlp.indicators.extract``.
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUM = "零〇一二两三四五六七八九十百千"
APPROX_BEFORE = ("近", "约", "逾", "超过", "超", "达到近", "近乎")
APPROX_AFTER = ("余", "多")

# a written number: Arabic with separators/decimals, or Chinese numerals; then 万/亿 and 余/多
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = rf"[{CN_NUM}]+"
_NEARLY_BIG = r"(?<=[近超逾过])[万亿]"  # 近万名, 超万家, 超过万人: 万 standing alone after 近/超/逾/超过
NUMBER = rf"(?:(?:{_ARABIC}|{_CHINESE})(?:[万亿](?:[{CN_NUM}\d]+)?)?[余多]?(?:[万亿])?|{_NEARLY_BIG})"


def parse_chinese(s: str) -> float | None:
    """一千二百零五 → 1205, 两万三千 → 23000, 十二 → 12, 二〇二三 → 2023 (digit by digit)."""
    if not s:
        return None
    if all(ch in DIGITS for ch in s) and len(s) > 1:  # 二〇二三: digits spelled one by one
        return float(int("".join(str(DIGITS[ch]) for ch in s)))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        elif ch in BIG_UNITS:
            section += digit or 0
            total = (total + section) * BIG_UNITS[ch] if BIG_UNITS[ch] > 10_000 else total + section * BIG_UNITS[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def parse_number(s: str) -> tuple[float, bool] | None:
    """A written number → ``(value, approximate)``; None if it is not one.

    "1,234" → 1234; "15.3万" → 153000; "4万余" → (40000, True); "两万余" → (20000, True);
    "110余" → (110, True); "一千二百零五" → 1205; "2亿" → 200000000.
    """
    s = s.strip()
    approx = s.endswith(APPROX_AFTER) or (len(s) > 1 and s[-2] in "余多" and s[-1] in BIG_UNITS)
    core = s.replace("余", "").replace("多", "")
    if core in BIG_UNITS:  # 近万, 超万: only ever after a word of approximation (read by the caller too)
        return float(BIG_UNITS[core]), True
    m = re.fullmatch(rf"({_ARABIC}|{_CHINESE})([万亿]?)((?:[{CN_NUM}\d]+)?)([万亿]?)", core)
    if not m:
        return None
    head, big, tail, big2 = m.groups()
    if re.fullmatch(_ARABIC, head):
        value = float(head.replace(",", ""))
    else:
        if tail or big or big2:  # a Chinese number with its own 万/亿 inside: parse it whole
            value = parse_chinese(core)
            return (value, approx) if value is not None else None
        value = parse_chinese(head)
        if value is None:
            return None
    if big:
        value *= BIG_UNITS[big]
        if tail:  # 1万2千 is rare; 1万2 is not a number reports write
            return None
    if big2:
        value *= BIG_UNITS[big2]
    return value, approx


# a percentage spelled out: 百分之十二, 百分之九十八点六, 百分之百 (873 in the corpus, in 64 reports)
_SPELLED_PERCENT = re.compile(rf"百分之([{CN_NUM}]+(?:点[零〇一二三四五六七八九]+)?)")


def for_matching(text: str) -> str:
    """``text`` as the quantity pattern reads it, at the same length (``spelled_percents``, then
    ``closed_up``): every offset into it is an offset into ``text``."""
    return closed_up(spelled_percents(text))


# spaces between a number and the word after it: 受理案件 46 件, 纠错率 12 %, 42.5 万人 (1,281 in the
# corpus, in 153 reports: text from PDFs and typeset pages)
SPACES = " \u3000\u00a0"  # what typeset text puts between a word and a number
_SPACE_1, _SPACE_2, _SPACE_3 = SPACES
_SPACED_NUMBER = re.compile(rf"(\d(?:[\d,.]*\d)?)([{SPACES}]+)(?=[\u4e00-\u9fff%])")


def closed_up(text: str) -> str:
    """``text`` with the spaces after a number moved in front of it as zeros: 46 件 → 046件, which
    reads as 46 and keeps the quantity's end (and its start: the zeros stand where the number
    began), so the span found is the source's ``46 件``. Thousands separators go too (1,200   件 →
    00001200件), so no run of zeros makes a separated number unreadable."""
    if _SPACE_1 not in text and _SPACE_2 not in text and _SPACE_3 not in text:  # three ``in``: twice as fast as any()
        return text
    return _SPACED_NUMBER.sub(lambda m: m.group(1).replace(",", "").rjust(len(m.group(1)) + len(m.group(2)), "0"),
                              text)


def spelled_percents(text: str) -> str:
    """``text`` with each spelled-out percentage written as digits and ``%``, left-padded with zeros
    to the same length: 百分之九十八点六 → 00098.6%, 百分之百 → 100%.

    Why the same length: quantities are found in this text but their offsets, sentences and
    source spans are the original text's, so nothing after a rewritten percentage may move.
    Arabic digits and ``%`` are never longer than the spelled form (百分之 alone is three
    characters); a number that does not parse is left as it is.
    """
    if "百分之" not in text:
        return text

    def as_digits(m: re.Match[str]) -> str:
        whole, _, fraction = m.group(1).partition("点")
        value = parse_chinese(whole)
        if value is None:
            return m.group(0)
        digits = f"{int(value)}" + (f".{''.join(str(DIGITS[c]) for c in fraction)}" if fraction else "") + "%"
        return digits.rjust(len(m.group(0)), "0") if len(digits) <= len(m.group(0)) else m.group(0)

    return _SPELLED_PERCENT.sub(as_digits, text)
