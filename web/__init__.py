"""``pos serve``: what the store answers over HTTP (today, Stripe's webhooks)."""
