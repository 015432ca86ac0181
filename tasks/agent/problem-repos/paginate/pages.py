def page(items, number, size):
    """Page `number` (1 is the first page) of items, `size` per page."""
    start = number * size
    return items[start:start + size]
