"""Sales: orders and what is typed for them, references, details, discounts, returns, totals, posting rules, the sales mix, finding orders.
May use: pos.base, pos.store, pos.people, pos.books.
"""
