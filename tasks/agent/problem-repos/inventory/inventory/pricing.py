def discounted(price, percent):
    """price less percent per cent (percent=10 takes 10% off)."""
    return price - percent
