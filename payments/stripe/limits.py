"""What Stripe refuses to charge, in one place: our card tenders check it before any call, and the test
double enforces the same table.

Stripe's fee is a fixed part plus a percentage, so it refuses a charge below a
minimum that depends on the settlement currency ("Minimum and maximum charge
amounts", docs.stripe.com/currencies).  The table below is that page's, in
each currency's minor unit as the API counts it (JPY 50 is ¥50, USD 50 is
$0.50, HUF 17500 is 175.00 Ft).  A store charges in its own currency, which
is the one its account settles in, so the minimum for that currency is the
one that applies.  A currency the table does not name has a minimum Stripe
states only as "the equivalent of $0.50": not checked here (Stripe's own
refusal is still mapped to a declined payment).

The largest amount the API takes is eight digits (99999999 minor units).
"""

from __future__ import annotations

MINIMUM_CHARGE_MINOR: dict[str, int] = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500,
    "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000,
    "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}
MAXIMUM_CHARGE_MINOR = 99_999_999


def minimum_charge_minor(currency: str) -> int | None:
    """Stripe's smallest charge in ``currency`` (minor units), or None when the table does not name it."""
    return MINIMUM_CHARGE_MINOR.get(currency.upper())


def refusal(amount_minor: int, currency: str) -> str | None:
    """Why Stripe would refuse to charge ``amount_minor``, in Stripe's words, or None if it would not."""
    minimum = minimum_charge_minor(currency)
    if minimum is not None and amount_minor < minimum:
        return "amount_too_small"
    if amount_minor > MAXIMUM_CHARGE_MINOR:
        return "amount_too_large"
    return None
