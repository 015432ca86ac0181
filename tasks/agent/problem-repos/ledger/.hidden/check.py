def check(call):
    assert call("bank.ledger.apply", 10, [("withdraw", 30)]) == 10
    assert call("bank.ledger.apply", 10, [("withdraw", 10), ("withdraw", 1)]) == 0
    assert call("bank.ledger.apply", 0, [("deposit", 5), ("withdraw", 3)]) == 2
