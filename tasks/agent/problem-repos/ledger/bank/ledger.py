def apply(balance, operations):
    """Apply ("deposit", x) and ("withdraw", x) in order. A withdrawal larger than the
    balance is refused (skipped). Returns the final balance."""
    for kind, amount in operations:
        if kind == "deposit":
            balance += amount
        elif kind == "withdraw":
            balance -= amount
    return balance
