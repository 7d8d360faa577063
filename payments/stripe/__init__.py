"""Everything that talks to Stripe: the gateway and its errors, limits and pacing, cards, wallets and links at Stripe,
its webhooks, settlements, fees (on tips, and those that arrive late) and refunds' outcomes. The tenders and the flow
are payments/'s own."""
