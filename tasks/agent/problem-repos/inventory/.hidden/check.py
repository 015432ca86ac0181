def check(call):
    assert call("inventory.cart.total", [(200, 1)], 10) == 180
    assert call("inventory.cart.total", [(10, 3), (5, 2)], 50) == 20
    assert call("inventory.pricing.discounted", 80, 25) == 60
