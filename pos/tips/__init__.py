"""Tips: who may receive one, the policy, the pool, tips owed, declared and paid, paydays and the records an inspector asks for.
May use: pos.base, pos.store, pos.people, pos.books, pos.sales, pos.cash.
"""
