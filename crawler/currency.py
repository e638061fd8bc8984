"""Currency symbols and codes: extracted prices name a code; ground truth often names a symbol."""

from __future__ import annotations

SYMBOL_CODES: dict[str, tuple[str, ...]] = {
    "$": ("USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "ARS", "CLP", "COP", "TWD"),
    "us$": ("USD",), "€": ("EUR",), "£": ("GBP",), "¥": ("CNY", "JPY"), "￥": ("CNY", "JPY"), "元": ("CNY",),
    "rmb": ("CNY",), "₹": ("INR",), "rs": ("INR", "PKR", "LKR"), "rs.": ("INR", "PKR", "LKR"), "zł": ("PLN",),
    "lei": ("RON",), "₽": ("RUB",), "руб": ("RUB",), "руб.": ("RUB",), "тг.": ("KZT",), "₸": ("KZT",),
    "kn": ("HRK",), "ر.س": ("SAR",), "₩": ("KRW",), "원": ("KRW",), "r$": ("BRL",), "kč": ("CZK",),
    "ft": ("HUF",), "kr": ("SEK", "NOK", "DKK", "ISK"), "chf": ("CHF",), "nt$": ("TWD",), "hk$": ("HKD",),
    "a$": ("AUD",), "c$": ("CAD",), "₺": ("TRY",), "₫": ("VND",), "฿": ("THB",), "₴": ("UAH",), "rp": ("IDR",),
}


def currency_codes(value: str | None) -> set[str]:
    """The ISO codes a currency string may stand for ('€' → {EUR}, 'EUR' → {EUR}, '$' → USD, CAD, ...)."""
    if not value:
        return set()
    text = value.strip().lower().rstrip("~").strip()
    if text in SYMBOL_CODES:
        return set(SYMBOL_CODES[text])
    if len(text) == 3 and text.isalpha() and text.isascii():
        return {text.upper()}
    return set()


# The currency a shop's country domain most likely prices in, for prices printed without a symbol.
TLD_CURRENCY = {
    "uk": "GBP", "ie": "EUR", "de": "EUR", "fr": "EUR", "it": "EUR", "es": "EUR", "pt": "EUR", "nl": "EUR",
    "be": "EUR", "at": "EUR", "fi": "EUR", "ee": "EUR", "lv": "EUR", "lt": "EUR", "sk": "EUR", "si": "EUR",
    "gr": "EUR", "pl": "PLN", "ro": "RON", "hr": "HRK", "kz": "KZT", "ru": "RUB", "ch": "CHF", "cz": "CZK",
    "hu": "HUF", "se": "SEK", "no": "NOK", "dk": "DKK", "cl": "CLP", "ar": "ARS", "br": "BRL", "mx": "MXN",
    "in": "INR", "pk": "PKR", "tw": "TWD", "cn": "CNY", "jp": "JPY", "kr": "KRW", "il": "ILS", "sa": "SAR",
    "au": "AUD", "nz": "NZD", "ca": "CAD", "com": "USD", "us": "USD", "tr": "TRY", "ua": "UAH",
}


def currency_for_host(host: str) -> str | None:
    """The likely currency of a shop from its domain (amazon.co.uk → GBP, emag.ro → RON)."""
    parts = host.lower().rsplit(".", 2)
    return TLD_CURRENCY.get(parts[-1])


def to_code(value: str | None, hint: str | None = None) -> str | None:
    """One ISO code for a currency string, preferring ``hint`` (e.g. from the site's country) when it fits."""
    codes = currency_codes(value)
    if not codes:
        return None
    if hint and hint in codes:
        return hint
    preferred = SYMBOL_CODES.get((value or "").strip().lower())
    return preferred[0] if preferred else sorted(codes)[0]
