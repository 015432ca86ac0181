from inventory.pricing import discounted


def total(items, percent=0):
    """Sum of price * quantity for (price, quantity) items, with a percent discount on
    each price; rounded to cents."""
    return round(sum(discounted(price, percent) * qty for price, qty in items), 2)
